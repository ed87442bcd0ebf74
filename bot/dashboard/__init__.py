"""The dashboard's rules without Flask: roles, passwords, staff accounts, login throttling, NIK
masking and the audit log. The web layer is handlers/dashboard/."""
