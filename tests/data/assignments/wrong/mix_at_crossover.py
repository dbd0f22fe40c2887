# %% visible: the crossover layer itself still comes from ws1
def mix_at_crossover(ws1, ws2, crossover):
    return torch.cat([ws1[:, :crossover + 1], ws2[:, crossover + 1:]], dim=1)

# %% visible: the two sources swapped
def mix_at_crossover(ws1, ws2, crossover):
    return torch.cat([ws2[:, :crossover], ws1[:, crossover:]], dim=1)

# %% hidden: writes the mix into ws1 and returns it
def mix_at_crossover(ws1, ws2, crossover):
    ws1[:, crossover:] = ws2[:, crossover:]
    return ws1
