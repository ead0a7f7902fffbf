import lab

from pipes_anomaly import catalog

assert len(catalog.MODEL_FEATURES) == 46
V = {"base46": lab.ensemble_cols(())}
for c in [
    "short_lifetime",
    "log_created_deleted",
    "log_billing",
    "workspaces_vs_peers",
    "events_vs_peers",
]:
    V["-" + c] = lab.ensemble_cols((c,))
df = lab.measure(V)
df.to_csv(str(lab.HERE.parent / "results" / "second_round" / "run8.csv"), index=False)
lab.report(df)
