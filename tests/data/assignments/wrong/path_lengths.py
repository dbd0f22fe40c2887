# %% visible: interpolates z and maps afterwards (that is PPL in Z, with lerp)
def path_lengths(mapping, synthesis, distance, z0, z1, t, epsilon=1e-4):
    t = t[:, None]
    a = synthesis(mapping(z0 + (z1 - z0) * t))
    b = synthesis(mapping(z0 + (z1 - z0) * (t + epsilon)))
    return distance(a, b) / epsilon**2

# %% visible: divides by epsilon instead of epsilon squared
def path_lengths(mapping, synthesis, distance, z0, z1, t, epsilon=1e-4):
    w0, w1, t = mapping(z0), mapping(z1), t[:, None]
    return distance(synthesis(w0 + (w1 - w0) * t), synthesis(w0 + (w1 - w0) * (t + epsilon))) / epsilon

# %% hidden: measures at the start of every path, ignoring t
def path_lengths(mapping, synthesis, distance, z0, z1, t, epsilon=1e-4):
    w0, w1 = mapping(z0), mapping(z1)
    return distance(synthesis(w0), synthesis(w0 + (w1 - w0) * epsilon)) / epsilon**2
