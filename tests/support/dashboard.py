"""Acts as office staff towards the dashboard: accounts, sign-in with the CSRF token, form posts."""

from __future__ import annotations

import re

from bot.dashboard import staff

PASSWORD = "rahasia-kantor-123"
OFFICE = "kejari-klungkung"
OTHER_OFFICE = "kejari-alor"
_TOKEN = re.compile(r'name="csrf-token" content="([^"]+)"|name="csrf_token" type="hidden" value="([^"]+)"')


def make_user(runtime, username: str, role: str, office: str | None = OFFICE, password: str = PASSWORD,
              display_name: str | None = None):
    with runtime.db.session() as s:
        user = staff.create(s, username=username, display_name=display_name or username.title(), password=password,
                            role=role, office=office, offices={o.slug for o in runtime.offices})
        s.commit()
        return user


def csrf_token(html: str) -> str:
    match = _TOKEN.search(html)
    assert match, "no CSRF token on the page"
    return match.group(1) or match.group(2)


class Staff:
    """One browser-like session (its own cookie jar) of one staff member."""

    def __init__(self, app):
        self.client = app.test_client()

    def token(self, path: str = "/dashboard/login") -> str:
        return csrf_token(self.client.get(path, follow_redirects=True).get_data(as_text=True))

    def login(self, username: str, password: str = PASSWORD, **extra):
        data = {"username": username, "password": password, "csrf_token": self.token(), **extra}
        return self.client.post("/dashboard/login", data=data)

    def get(self, path: str, **kwargs):
        return self.client.get(path, **kwargs)

    def post(self, path: str, data: dict | None = None, token: bool = True):
        form = dict(data or {})
        if token:
            form["csrf_token"] = self.token()
        return self.client.post(path, data=form)


def signed_in(app, runtime, username: str, role: str, office: str | None = OFFICE) -> Staff:
    make_user(runtime, username, role, office)
    member = Staff(app)
    response = member.login(username)
    assert response.status_code == 302, response.get_data(as_text=True)
    return member
