# %% visible: returns (to_b, to_a)
def attribute_distances(reader, mixed, faces_a, faces_b):
    v_m, v_a, v_b = (reader.attribute_values(x).numpy() for x in (mixed, faces_a, faces_b))
    return np.abs(v_m - v_b).mean(axis=0), np.abs(v_m - v_a).mean(axis=0)

# %% visible: compares attribute probabilities instead of values
def attribute_distances(reader, mixed, faces_a, faces_b):
    p_m, p_a, p_b = (reader.attribute_probabilities(x).numpy() for x in (mixed, faces_a, faces_b))
    return np.abs(p_m - p_a).mean(axis=0), np.abs(p_m - p_b).mean(axis=0)

# %% visible: signed differences, which cancel out over the faces
def attribute_distances(reader, mixed, faces_a, faces_b):
    v_m, v_a, v_b = (reader.attribute_values(x).numpy() for x in (mixed, faces_a, faces_b))
    return (v_m - v_a).mean(axis=0), (v_m - v_b).mean(axis=0)
