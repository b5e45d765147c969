"""Error texts and templates: which text of a row says what went wrong, and its variable parts masked."""

from __future__ import annotations

from tests.analysis.error_rows import API, HOOK, RB
from truto_log_mcp.analysis.templates import TEMPLATE_CAP, error_text, template

# ---- template: variants merge ------------------------------------------------------------------


def test_template_merges_uuids() -> None:
    a = template("Integrated account 7d3c2a10-1b2c-4d5e-8f90-123456789abc marked as needs_reauth")
    b = template("Integrated account 0a1b2c3d-4e5f-4a6b-9c7d-8e9f0a1b2c3d marked as needs_reauth")
    assert a == b == "Integrated account <uuid> marked as needs_reauth"


def test_template_merges_timestamps_ips_and_ray_ids() -> None:
    a = template("2026-05-16T06:28:27.040Z INFO 86.48.10.39 (9fc8527ebf27a066) POST https://api.truto.one/x 502")
    b = template("2026-05-17T11:02:03.999Z INFO 2001:db8::7 (0a1b2c3d4e5f6a7b) POST https://api.truto.one/x 502")
    assert a == b == "<ts> INFO <ip> (<ray>) POST https://api.truto.one/x 502"


def test_template_merges_numbers() -> None:
    a = template("Retry 1/3 after 2s: fetched 17 of 250 records in 1.5s")
    b = template("Retry 2/3 after 8s: fetched 99 of 731 records in 12.25s")
    assert a == b


def test_template_merges_urls_with_ids_and_query_strings() -> None:
    a = template("GET https://api.hubapi.com/crm/v3/objects/contacts/12345678901?limit=100&after=200 failed")
    b = template("GET https://api.hubapi.com/crm/v3/objects/contacts/98765?limit=100 failed")
    assert a == b == "GET https://api.hubapi.com/crm/v3/objects/contacts/<id> failed"


def test_template_merges_hex_and_provider_ids() -> None:
    a = template("Salesforce responded 503 Service Unavailable (request id 1a2b3c4d5e6f) for 0035g00000XyZabAAB")
    b = template("Salesforce responded 503 Service Unavailable (request id ffe0a1b2c3d4) for 0035g00000QwErtAAC")
    assert a == b == "Salesforce responded 503 Service Unavailable (request id <hex>) for <id>"


def test_template_merges_emails() -> None:
    assert template("user bob@example.com not found") == template("user alice.smith+x@corp.example.org not found")


def test_template_merges_quoted_values_but_keeps_field_names() -> None:
    assert template("Contact 'John' exists") == template("Contact 'Jane' exists") == "Contact '<v>' exists"
    assert template("cannot read property 'fields' of undefined") != template("cannot read property 'id' of undefined")


def test_template_keeps_quoted_prose() -> None:
    text = 'error_description: "Token has been expired or revoked."'
    assert template(text) == text


# ---- template: causes stay apart ---------------------------------------------------------------


def test_template_keeps_status_codes_after_status_words() -> None:
    assert template("Salesforce responded 503 after 3 retries") != template("Salesforce responded 502 after 3 retries")
    assert template("upstream status 404") == "upstream status 404"


def test_template_keeps_status_codes_after_urls_and_before_reason_phrases() -> None:
    assert template("POST https://hooks.example/truto 413 (120ms)") == "POST https://hooks.example/truto 413 (<n>ms)"
    assert template("got 429 Too Many Requests") == "got 429 Too Many Requests"


def test_template_masks_a_three_digit_number_that_is_not_a_status() -> None:
    assert (
        template("Mapping error at record 285")
        == template("Mapping error at record 17")
        == ("Mapping error at record <n>")
    )


def test_template_keeps_different_causes_apart() -> None:
    texts = [
        "Token refresh failed: invalid_grant",
        "Pipedrive responded 429 Too Many Requests",
        "Salesforce responded 503 Service Unavailable",
        "Mapping error: cannot read property 'fields' of undefined",
    ]
    assert len({template(text) for text in texts}) == len(texts)


def test_template_collapses_whitespace_and_caps_its_length() -> None:
    assert template("a \n\t  b") == "a b"
    long = template("word " * 200)
    assert len(long) == TEMPLATE_CAP
    assert long.endswith("…")


# ---- error_text --------------------------------------------------------------------------------


def test_error_text_picks_the_error_line_of_logs() -> None:
    row = {"logs": ["Access token expired; refreshing", "Token refresh failed: invalid_grant", "Marked account"]}
    assert error_text(RB, row) == "Token refresh failed: invalid_grant"


def test_error_text_prefers_a_line_naming_a_cause_over_a_later_generic_failure() -> None:
    row = {"logs": ["Provider error: Salesforce responded 502 Bad Gateway", "Sync job run failed"]}
    assert error_text(RB, row) == "Provider error: Salesforce responded 502 Bad Gateway"


def test_error_text_falls_back_to_the_message_without_its_prefix() -> None:
    row = {"logs": ["Starting"], "message": "2026-05-16T06:28:27.040Z ERROR sync_job_run abc failed: boom"}
    assert error_text(RB, row) == "sync_job_run abc failed: boom"


def test_error_text_takes_the_error_part_of_an_access_line() -> None:
    message = "2026-05-16T06:28:27.040Z ERROR 86.48.10.39 (9fc8527ebf27a066) GET https://x/y 502 - Salesforce down"
    assert error_text(API, {"message": message}) == "Salesforce down"


def test_error_text_synthesises_http_errors_from_fields() -> None:
    message = "2026-05-16T06:28:27.040Z INFO 86.48.10.39 (9fc8527ebf27a066) GET https://api.truto.one/x 502"
    row = {
        "message": message,
        "http_status_code": 502,
        "integration": "salesforce",
        "http_method": "GET",
        "http_url_details_path": "/unified/crm/contacts",
    }
    assert error_text(API, row) == "HTTP 502 from salesforce on GET crm/contacts"


def test_error_text_synthesises_webhook_rejections_from_fields() -> None:
    row = {"webhook_endpoint_status": 503, "event": "sync_job_run:completed", "message": "delivered"}
    assert error_text(HOOK, row) == "webhook endpoint answered 503 for sync_job_run:completed"


def test_error_text_synthesises_undelivered_records_from_fields() -> None:
    row = {"sync_job_run_event": "completed", "num_records": 5, "webhook_successful": False, "resource": "crm/deals"}
    assert error_text(RB, row) == "records fetched but not delivered (webhook_successful false) on crm/deals"
