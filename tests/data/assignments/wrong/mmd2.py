# %% visible: the biased estimate, diagonal included
def mmd2_unbiased(x, y):
    d = x.shape[1]
    k = lambda a, b: (a @ b.T / d + 1.0) ** 3  # noqa: E731
    return float(k(x, x).mean() + k(y, y).mean() - 2 * k(x, y).mean())

# %% visible: the kernel forgets to divide by the feature dimension
def mmd2_unbiased(x, y):
    m = x.shape[0]
    k = lambda a, b: (a @ b.T + 1.0) ** 3  # noqa: E731
    kxx, kyy = k(x, x), k(y, y)
    return float((kxx.sum() - np.trace(kxx) + kyy.sum() - np.trace(kyy)) / (m * (m - 1)) - 2 * k(x, y).mean())

# %% visible: the cross term also divided by m(m - 1)
def mmd2_unbiased(x, y):
    m, d = x.shape
    k = lambda a, b: (a @ b.T / d + 1.0) ** 3  # noqa: E731
    kxx, kyy = k(x, x), k(y, y)
    return float((kxx.sum() - np.trace(kxx) + kyy.sum() - np.trace(kyy) - 2 * k(x, y).sum()) / (m * (m - 1)))
