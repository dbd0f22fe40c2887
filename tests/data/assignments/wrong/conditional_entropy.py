# %% visible: natural logarithm instead of base 2
def conditional_entropy_bits(labels, predictions):
    y, x = np.asarray(labels, bool), np.asarray(predictions, bool)
    h = 0.0
    for xv in (False, True):
        for yv in (False, True):
            p_xy = np.mean((x == xv) & (y == yv))
            if p_xy > 0:
                h -= p_xy * np.log(p_xy / np.mean(x == xv))
    return float(h)

# %% visible: conditions on the labels, H(X|Y)
def conditional_entropy_bits(labels, predictions):
    y, x = np.asarray(labels, bool), np.asarray(predictions, bool)
    h = 0.0
    for xv in (False, True):
        for yv in (False, True):
            p_xy = np.mean((x == xv) & (y == yv))
            if p_xy > 0:
                h -= p_xy * np.log2(p_xy / np.mean(y == yv))
    return float(h)

# %% visible: 0 * log 0 is not skipped, so an empty combination gives NaN
def conditional_entropy_bits(labels, predictions):
    y, x = np.asarray(labels, bool), np.asarray(predictions, bool)
    joint = np.array([[np.mean(~x & ~y), np.mean(~x & y)], [np.mean(x & ~y), np.mean(x & y)]])
    p_x = joint.sum(axis=1, keepdims=True)
    return float(-np.sum(joint * np.log2(joint / p_x)))
