"""Production settings refuse to start half-configured, and pass Django's deployment checks."""

from __future__ import annotations

import json

from tests.helpers import PRODUCTION, manage, setting


def test_production_without_a_secret_key_stops_with_a_clear_message():
    result = manage("check", DEBUG="0", ALLOWED_HOSTS="avatars.example.com")
    assert result.returncode != 0
    assert "SECRET_KEY is not set" in result.stderr


def test_production_without_allowed_hosts_stops_with_a_clear_message():
    result = manage("check", DEBUG="0", SECRET_KEY=PRODUCTION["SECRET_KEY"])
    assert result.returncode != 0
    assert "ALLOWED_HOSTS is not set" in result.stderr


SHARED_CACHE = {"CACHE_URL": "redis://cache.example.com:6379/0"}


def test_deploy_check_is_clean_with_production_variables():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION, **SHARED_CACHE)
    assert result.returncode == 0, result.stderr
    assert "System check identified no issues" in result.stdout


def test_database_url_switches_the_database():
    result = manage(
        "shell",
        "--no-imports",
        "-c",
        "from django.conf import settings; print(settings.DATABASES['default']['ENGINE'])",
        DATABASE_URL="postgres://someone@db.example:5432/studio",
    )
    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "django.db.backends.postgresql"


def test_the_deploy_check_warns_when_rate_limits_are_counted_per_process():
    result = manage("check", "--deploy", "--fail-level", "WARNING", **PRODUCTION)
    assert result.returncode != 0
    assert "avatarstudio.W001" in result.stderr + result.stdout


def test_migrations_are_up_to_date():
    result = manage("makemigrations", "--check", "--dry-run")
    assert result.returncode == 0, result.stdout + result.stderr


def test_a_bucket_name_switches_media_to_private_s3_with_signed_urls():
    import json

    storages = json.loads(
        setting(
            "STORAGES",
            AWS_STORAGE_BUCKET_NAME="studio-media",
            AWS_S3_ENDPOINT_URL="https://s3.example.net",
            AWS_S3_REGION_NAME="eu-west-1",
        )
    )
    media = storages["default"]
    assert media["BACKEND"] == "storages.backends.s3.S3Storage"
    options = media["OPTIONS"]
    assert options["bucket_name"] == "studio-media"
    assert options["signature_version"] == "s3v4"
    assert options["file_overwrite"] is False
    assert options["default_acl"] is None and options["querystring_auth"] is True
    assert options["querystring_expire"] <= 600
    csp = json.loads(
        setting(
            "SECURE_CSP",
            AWS_STORAGE_BUCKET_NAME="studio-media",
            AWS_S3_ENDPOINT_URL="https://s3.example.net",
        )
    )
    assert "https://s3.example.net" in csp["media-src"]


def test_production_logs_json_lines_and_serves_compressed_hashed_static_files(tmp_path):
    assert setting("LOG_FORMAT", **PRODUCTION) == '"json"'
    assert "CompressedManifest" in setting("STORAGES", **PRODUCTION)
    result = manage("collectstatic", "--no-input", STATIC_ROOT=str(tmp_path), **PRODUCTION)
    assert result.returncode == 0, result.stderr
    hashed = list(tmp_path.glob("css/app.*.css"))
    assert hashed and list(tmp_path.glob("css/app.*.css.gz"))


def test_every_page_carries_the_content_security_policy(client, db):
    header = client.get("/accounts/login/").headers["Content-Security-Policy"]
    assert "default-src 'self'" in header
    assert "script-src 'self';" in header and "unsafe" not in header
    assert "frame-ancestors 'none'" in header


def test_in_production_only_teams_an_operator_allowed_spend_the_server_key():
    assert setting("SERVER_KEY_FOR_ALL_TEAMS", **PRODUCTION) == "false"
    assert setting("SERVER_KEY_MONTHLY_SECONDS", **PRODUCTION) == "600"
    everyone = {
        **PRODUCTION,
        "SIGNUP_OPEN": "0",
        "SERVER_KEY_FOR_ALL_TEAMS": "1",
        "SERVER_KEY_MONTHLY_SECONDS": "none",
    }
    assert setting("SERVER_KEY_FOR_ALL_TEAMS", **everyone) == "true"
    assert setting("SERVER_KEY_MONTHLY_SECONDS", **everyone) == "null"


def test_the_server_key_for_all_teams_with_sign_up_open_stops_the_start():
    result = manage("check", **PRODUCTION, SERVER_KEY_FOR_ALL_TEAMS="1")
    assert result.returncode != 0
    assert "lets anyone who signs up spend the server's CometAPI key" in result.stderr


def test_on_a_laptop_every_team_spends_the_server_key_without_a_limit():
    assert setting("SERVER_KEY_FOR_ALL_TEAMS") == "true"
    assert setting("SERVER_KEY_MONTHLY_SECONDS") == "null"


def test_production_asks_new_accounts_to_confirm_their_email_and_the_laptop_does_not():
    assert setting("ACCOUNT_EMAIL_VERIFICATION", **PRODUCTION) == '"mandatory"'
    assert setting("ACCOUNT_EMAIL_VERIFICATION") == '"optional"'
    relaxed = {**PRODUCTION, "ACCOUNT_EMAIL_VERIFICATION": "optional"}
    assert setting("ACCOUNT_EMAIL_VERIFICATION", **relaxed) == '"optional"'


def test_a_misspelt_email_verification_stops_the_start_with_the_choices():
    result = manage("check", ACCOUNT_EMAIL_VERIFICATION="mandatroy")
    assert result.returncode != 0
    assert "ACCOUNT_EMAIL_VERIFICATION must be one of mandatory, optional, none" in result.stderr


def test_the_cache_is_redis_when_cache_url_or_redis_url_names_one_and_local_memory_otherwise():
    redis = "avatarstudio.core.cache.RedisCache"
    for name in ("CACHE_URL", "REDIS_URL"):
        caches = json.loads(setting("CACHES", **{name: "redis://cache.internal:6379/1"}))
        assert caches["default"]["BACKEND"] == redis
        assert caches["default"]["LOCATION"] == "redis://cache.internal:6379/1"
    laptop = json.loads(setting("CACHES"))
    assert laptop["default"]["BACKEND"] == "django.core.cache.backends.locmem.LocMemCache"


def test_a_cache_url_that_is_not_redis_stops_the_start_without_printing_its_password():
    result = manage("check", CACHE_URL="memcached://studio:s3cret-word@cache.internal:11211")
    assert result.returncode != 0
    assert "must be a redis://, rediss:// or unix:// URL" in result.stderr
    assert "s3cret-word" not in result.stderr


def test_the_expensive_actions_are_limited_by_default_and_each_limit_has_a_variable():
    limits = json.loads(setting("RATE_LIMITS", RATE_LIMIT_SIGNUP="5/h/ip", RATE_LIMIT_INVITE=""))
    assert set(limits) == {
        "create",
        "photo_url",
        "voice_preview",
        "key_test",
        "signup",
        "invite",
        "preflight",
    }
    assert limits["signup"] == "5/h/ip" and limits["invite"] == ""
    assert all(limits[action] for action in ("create", "photo_url", "voice_preview", "key_test"))


def test_behind_a_proxy_the_address_it_forwards_counts():
    assert setting("TRUSTED_PROXY_COUNT") == "0"
    assert setting("TRUSTED_PROXY_COUNT", BEHIND_PROXY="1") == "1"
    assert setting("ALLAUTH_TRUSTED_PROXY_COUNT", TRUSTED_PROXY_COUNT="2") == "2"
