"""The settings revision signal: a change bumped in one process is seen by another's next refresh."""

from bot import revisions
from bot.revisions import RevisionWatch


def test_a_bump_is_seen_after_refresh_and_only_for_that_office(redis_server):
    here, there = RevisionWatch(redis_server), RevisionWatch(redis_server)
    here.refresh(), there.refresh()
    before_alor, before_kapuas = there.token("kejari-alor"), there.token("kejari-kapuas")
    here.bump("kejari-alor")
    assert there.token("kejari-alor") == before_alor  # nothing is read until the next refresh
    there.refresh()
    assert there.token("kejari-alor") not in ("", before_alor)
    assert there.token("kejari-kapuas") == before_kapuas


def test_a_redis_that_forgot_everything_reads_as_a_change(redis_server):
    watch = RevisionWatch(redis_server)
    revisions.bump(redis_server, "kejari-alor")
    watch.refresh()
    seen = watch.token("kejari-alor")
    redis_server.delete(revisions.KEY)  # a restarted Redis without its dump
    watch.refresh()
    assert watch.token("kejari-alor") != seen
    revisions.bump(redis_server, "kejari-alor")
    watch.refresh()
    assert watch.token("kejari-alor") not in ("", seen)  # a fresh token, never an old one again
