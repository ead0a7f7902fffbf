import lab

V = {
    "base": lab.parts_variant(lab.mean_parts),
    "cond_replace": lab.parts_variant(lab.cond_rarest("replace")),
    "cond_add": lab.parts_variant(lab.cond_rarest("add")),
    "carry0.5": lab.parts_variant(lab.carry(0.5, 2)),
}
df = lab.measure(V)
df.to_csv(str(lab.HERE.parent / "results" / "second_round" / "run2.csv"), index=False)
lab.report(df)
