from attendance import create_app


def test_config_comes_from_the_environment(monkeypatch, tmp_path):
    monkeypatch.setenv("DATABASE_URL", "postgres://u@h/db")
    monkeypatch.setenv("SITE_TIMEZONE", "Asia/Urumqi")
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "postgresql+psycopg://u@h/db"
    assert app.config["SITE_TIMEZONE"] == "Asia/Urumqi"


def test_default_database_is_a_sqlite_file_in_the_instance_folder(monkeypatch):
    monkeypatch.delenv("DATABASE_URL", raising=False)
    app = create_app({"TESTING": True})
    assert app.config["SQLALCHEMY_DATABASE_URI"] == "sqlite:///" + app.instance_path + "/attendance.sqlite3"


def test_secret_key_is_generated_once_and_kept(monkeypatch, tmp_path):
    from attendance.config import _secret_key

    monkeypatch.delenv("SECRET_KEY", raising=False)
    first = _secret_key(str(tmp_path))
    assert len(first) == 64
    assert _secret_key(str(tmp_path)) == first
    assert (tmp_path / "secret_key").read_text().strip() == first


def test_login_page_is_served_in_chinese_by_default(client):
    page = client.get("/login").get_data(as_text=True)
    assert 'lang="zh-CN"' in page
    assert "登录" in page
