import lab

V = {
    "base46": lab.ensemble_cols(()),
    "+peak_min": lab.ensemble_extra(["log_peak_per_minute"]),
    "+peak_min_10": lab.ensemble_extra(["log_peak_per_minute", "log_peak_per_10min"]),
    "+off_hours": lab.ensemble_extra(["log_off_hours"]),
}
df = lab.measure(V)
df.to_csv(str(lab.HERE.parent / "results" / "second_round" / "run10.csv"), index=False)
lab.report(df)
