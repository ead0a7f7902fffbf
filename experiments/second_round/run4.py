import lab

V = {
    f"w{a}-{b}-{c}": lab.parts_variant(lab.weighted((a, b, c)))
    for a, b, c in [(1, 1, 1), (0.5, 1, 1), (1, 1, 2), (0.5, 1, 1.5), (1, 2, 1), (1, 1, 0.5)]
}
df = lab.measure(V)
df.to_csv(str(lab.HERE.parent / "results" / "second_round" / "run4.csv"), index=False)
lab.report(df)
