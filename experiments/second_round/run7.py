import lab

V = {"base": lab.ensemble_cols(())}
for c in [
    "trail_events_vs_self",
    "sustained_events_vs_self",
    "sustained_connections_vs_self",
    "workspaces_vs_peers",
]:
    V["-" + c] = lab.ensemble_cols((c,))
V["-trail+sustained_events"] = lab.ensemble_cols(
    ("trail_events_vs_self", "sustained_events_vs_self")
)
df = lab.measure(V)
df.to_csv(str(lab.HERE.parent / "results" / "second_round" / "run7.csv"), index=False)
lab.report(df)
