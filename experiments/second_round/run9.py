import lab

V = {
    "base46": lab.ensemble_cols(()),
    "lof_k10": lab.ensemble_cols((), n_neighbors=10),
    "lof_k35": lab.ensemble_cols((), n_neighbors=35),
    "shrink2": lab.ensemble_cols((), actor_shrinkage=2.0),
    "shrink10": lab.ensemble_cols((), actor_shrinkage=10.0),
}
df = lab.measure(V)
df.to_csv(str(lab.HERE.parent / "results" / "second_round" / "run9.csv"), index=False)
lab.report(df)
