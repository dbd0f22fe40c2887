# %% visible: every layer is truncated, whatever the cutoff
def truncate_w(ws, w_avg, psi, cutoff):
    return w_avg + psi * (ws - w_avg)

# %% visible: shrinks towards 0 instead of towards w_avg
def truncate_w(ws, w_avg, psi, cutoff):
    out = ws.clone()
    out[:, :cutoff] = psi * ws[:, :cutoff]
    return out

# %% visible: psi and 1 - psi exchanged
def truncate_w(ws, w_avg, psi, cutoff):
    out = ws.clone()
    out[:, :cutoff] = ws[:, :cutoff] + psi * (w_avg - ws[:, :cutoff])
    return out

# %% hidden: writes into ws
def truncate_w(ws, w_avg, psi, cutoff):
    ws[:, :cutoff] = w_avg + psi * (ws[:, :cutoff] - w_avg)
    return ws
