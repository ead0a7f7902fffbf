import lab3

V = {"day": lab3.combo(0), "day+0.5h": lab3.combo(0.5), "day+1h": lab3.combo(1.0)}
df = lab3.measure(V)
df.to_csv(str(lab3.HERE.parent / "results" / "third_round" / "run1.csv"), index=False)
lab3.lab.report(df)
