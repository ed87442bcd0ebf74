"""The SKM survey (Survei Kepuasan Masyarakat, PermenPANRB 14/2017) and its index, the IKM.

Users see "SKM" for the survey and "IKM" for its index; in code the domain is `survey`:
- `ikm`: the nine elements, the IKM formula and its bands (pure arithmetic);
- `service`: invitations after an event (once per event, expiring) and responses saved answer by answer;
- `report`: the IKM report over stored responses (the dashboard's page, its XLSX export, the tests);
- `effects`, `jobs`: how flows and other jobs ask for an invitation.

Domain code with its own session calls `service.offer_survey(..., config=…)`; jobs call `jobs.offer`.
"""
