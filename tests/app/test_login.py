
"""Sign-in gate in AppTest: local mode without accounts, login required with accounts, lockout."""

from analytics import auth, store
from analytics.roles import LOCAL_USER
from tests.app.helpers import heatmap, page_text


def add_account(path, name="chief", role="admin", jurisdiction=None):
    con = store.connect(path)
    auth.add_user(con, name, "a long password", role, jurisdiction_code=jurisdiction, user=LOCAL_USER)
    con.close()


def texts(at):
    return page_text(at, ("title", "error", "caption", "info"), separator=" ")


def test_without_accounts_the_app_opens_with_the_local_notice(app):
    at = app("en")
    assert "Indicator overview" in texts(at)
    assert "Local single-user mode" in texts(at)


def test_with_accounts_login_is_required_and_works(app, synthetic_db_path):
    add_account(synthetic_db_path)
    at = app("en")
    assert "Sign in to Jingmin" in texts(at) and "Indicator overview" not in texts(at)
    at.text_input[0].input("chief")
    at.text_input[1].input("wrong password")
    at.button[0].click().run()
    assert "Wrong user name or password." in texts(at)
    at.text_input[1].input("a long password")
    at.button[0].click().run()
    assert not at.exception
    assert "Indicator overview" in texts(at)


def test_lockout_after_repeated_failures(app, synthetic_db_path):
    add_account(synthetic_db_path)
    at = app("en")
    for _ in range(auth.MAX_FAILED_ATTEMPTS):
        at.text_input[0].input("chief")
        at.text_input[1].input("not the password")
        at.button[0].click().run()
    assert "locked until" in texts(at)
    at.text_input[1].input("a long password")
    at.button[0].click().run()
    assert "locked until" in texts(at) and "Indicator overview" not in texts(at)


def test_station_user_scorecard_shows_only_its_station(app, synthetic_db_path):
    add_account(synthetic_db_path, "s3chief", "station", "S3")
    at = app("en")
    at.text_input[0].input("s3chief")
    at.text_input[1].input("a long password")
    at.button[0].click().run()
    assert not at.exception

    # The heat-map scorecard (a plotly chart): its rows are the jurisdictions the user may see
    assert heatmap(at).rows == ["Station C"]
