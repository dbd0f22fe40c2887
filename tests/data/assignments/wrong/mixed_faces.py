# %% visible: the crossover one layer too late
def mixed_faces(G, seeds_coarse, seeds_fine, crossover=4, psi=0.7):
    a, b = seed_styles(G, seeds_coarse, psi), seed_styles(G, seeds_fine, psi)
    return G.synthesis(mix_styles(a, b, crossover + 1), noise_mode="const")

# %% visible: the coarse styles taken from seeds_fine
def mixed_faces(G, seeds_coarse, seeds_fine, crossover=4, psi=0.7):
    a, b = seed_styles(G, seeds_coarse, psi), seed_styles(G, seeds_fine, psi)
    return G.synthesis(mix_styles(b, a, crossover), noise_mode="const")

# %% visible: no truncation
def mixed_faces(G, seeds_coarse, seeds_fine, crossover=4, psi=0.7):
    a = broadcast(G.mapping(z_from_seeds(seeds_coarse, G.cfg.latent_size)), G.num_layers)
    b = broadcast(G.mapping(z_from_seeds(seeds_fine, G.cfg.latent_size)), G.num_layers)
    return G.synthesis(mix_styles(a, b, crossover), noise_mode="const")

# %% hidden: the crossover is always 4
def mixed_faces(G, seeds_coarse, seeds_fine, crossover=4, psi=0.7):
    a, b = seed_styles(G, seeds_coarse, psi), seed_styles(G, seeds_fine, psi)
    return G.synthesis(mix_styles(a, b, 4), noise_mode="const")
