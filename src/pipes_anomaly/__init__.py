"""pipes-anomaly: find attacks in the Turbot Pipes audit log by machine learning."""

__version__ = "0.4.0"
