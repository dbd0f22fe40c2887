# %% visible: keeps the LEAST confident half
def separability_score(latents, probabilities, keep_fraction=0.5):
    n, num_attributes = probabilities.shape
    k, total = round(n * keep_fraction), 0.0
    for a in range(num_attributes):
        p = probabilities[:, a]
        keep = np.argsort(np.abs(p - 0.5), kind="stable")[:k]
        y = p[keep] > 0.5
        if y.all() or not y.any():
            continue
        svm = LinearSVC(max_iter=10000, random_state=0).fit(latents[keep], y)
        total += library_entropy(y, svm.predict(latents[keep]))
    return float(2.0 ** total)

# %% visible: adds up 2 ** entropy per attribute
def separability_score(latents, probabilities, keep_fraction=0.5):
    n, num_attributes = probabilities.shape
    k, total = round(n * keep_fraction), 0.0
    for a in range(num_attributes):
        p = probabilities[:, a]
        keep = np.argsort(np.abs(p - 0.5), kind="stable")[n - k:]
        y = p[keep] > 0.5
        if y.all() or not y.any():
            continue
        svm = LinearSVC(max_iter=10000, random_state=0).fit(latents[keep], y)
        total += 2.0 ** library_entropy(y, svm.predict(latents[keep]))
    return float(total)

# %% visible: fits and scores on every sample, not only the confident ones
def separability_score(latents, probabilities, keep_fraction=0.5):
    total = 0.0
    for a in range(probabilities.shape[1]):
        y = probabilities[:, a] > 0.5
        if y.all() or not y.any():
            continue
        svm = LinearSVC(max_iter=10000, random_state=0).fit(latents, y)
        total += library_entropy(y, svm.predict(latents))
    return float(2.0 ** total)

# %% hidden: fails when every kept sample has the same label
def separability_score(latents, probabilities, keep_fraction=0.5):
    n, num_attributes = probabilities.shape
    k, total = round(n * keep_fraction), 0.0
    for a in range(num_attributes):
        p = probabilities[:, a]
        keep = np.argsort(np.abs(p - 0.5), kind="stable")[n - k:]
        y = p[keep] > 0.5
        svm = LinearSVC(max_iter=10000, random_state=0).fit(latents[keep], y)
        total += library_entropy(y, svm.predict(latents[keep]))
    return float(2.0 ** total)
