"""The SKM survey (PermenPANRB 14/2017): invitations after an event, responses, the IKM report.

Other flows ask for the "survey.offer" effect; jobs call `bot.survey.jobs.offer`; domain code with
its own session calls `bot.survey.service.offer_survey`.
"""
