# %% visible: truncates z towards 0 instead of w towards w_avg
def truncated_faces(G, seeds, psi, cutoff):
    w = G.mapping(psi * z_from_seeds(seeds, G.cfg.latent_size))
    return G.synthesis(broadcast(w, G.num_layers), noise_mode="const")

# %% visible: truncates towards the mean w of the batch instead of G.w_avg
def truncated_faces(G, seeds, psi, cutoff):
    w = G.mapping(z_from_seeds(seeds, G.cfg.latent_size))
    ws = broadcast(w, G.num_layers)
    return G.synthesis(truncate(ws, w.mean(dim=0), psi, cutoff), noise_mode="const")

# %% visible: fresh random noise, so a seed does not always give the same face
def truncated_faces(G, seeds, psi, cutoff):
    w = G.mapping(z_from_seeds(seeds, G.cfg.latent_size))
    return G.synthesis(truncate(broadcast(w, G.num_layers), G.w_avg, psi, cutoff))

# %% hidden: uses the model's cutoff instead of the argument
def truncated_faces(G, seeds, psi, cutoff):
    w = G.mapping(z_from_seeds(seeds, G.cfg.latent_size))
    ws = truncate(broadcast(w, G.num_layers), G.w_avg, psi, G.cfg.truncation_cutoff)
    return G.synthesis(ws, noise_mode="const")

# %% visible: truncates w before copying it to the layers
def truncated_faces(G, seeds, psi, cutoff):
    w = G.mapping(z_from_seeds(seeds, G.cfg.latent_size))
    ws = broadcast(truncate(w, G.w_avg, psi, cutoff), G.num_layers)
    return G.synthesis(ws, noise_mode="const")
