"""Staff accounts: passwords and account changes (accounts.py), the second factor (totp.py),
sign-in and the end of sessions in the audit trail (sign_in.py), and the count of failed
sign-ins per account (sign_in_limits.py). No Flask request in here."""
