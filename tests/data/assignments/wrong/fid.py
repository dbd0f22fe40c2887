# %% visible: np.cov's default takes rows as variables, giving an [N, N] "covariance"
def fid(real, fake):
    s1, s2 = np.cov(real), np.cov(fake)
    covmean = scipy.linalg.sqrtm(s1 @ s2).real
    return float(((real.mean(axis=0) - fake.mean(axis=0)) ** 2).sum() + np.trace(s1 + s2 - 2 * covmean))

# %% visible: the square root taken entry by entry instead of as a matrix
def fid(real, fake):
    s1, s2 = np.cov(real, rowvar=False), np.cov(fake, rowvar=False)
    covmean = np.sqrt(np.abs(s1 @ s2))
    return float(((real.mean(axis=0) - fake.mean(axis=0)) ** 2).sum() + np.trace(s1 + s2 - 2 * covmean))

# %% visible: the factor 2 in front of the cross term is missing
def fid(real, fake):
    s1, s2 = np.cov(real, rowvar=False), np.cov(fake, rowvar=False)
    covmean = scipy.linalg.sqrtm(s1 @ s2).real
    return float(((real.mean(axis=0) - fake.mean(axis=0)) ** 2).sum() + np.trace(s1 + s2 - covmean))
