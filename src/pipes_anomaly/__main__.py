from pipes_anomaly.cli import main

main()
