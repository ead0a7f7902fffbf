import lab

V = {
    f"w{a}-{b}-{c}": lab.parts_variant(lab.weighted((a, b, c)))
    for a, b, c in [(0, 1, 1), (0.25, 1, 1), (0.75, 1, 1), (0.5, 1.5, 1)]
}
df = lab.measure(V)
df.to_csv(str(lab.HERE.parent / "results" / "second_round" / "run5.csv"), index=False)
lab.report(df)
