"""The whole journey on two phones: setup, pairing, check-ins, consult, condition, comfort, reassurance."""
import re

from PIL import Image


PASSWORD = "quiet river lantern"


def assert_no_horizontal_scroll(page):
    overflow = page.evaluate("document.documentElement.scrollWidth - window.innerWidth")
    assert overflow <= 0, f"{page.url} scrolls sideways by {overflow}px"


def photo_file(tmp_path):
    path = tmp_path / "izakaya.jpg"
    image = Image.new("RGB", (800, 600), (180, 120, 90))
    exif = Image.Exif()
    exif[0x8825] = {1: "N", 2: (35.0, 41.0, 22.0), 3: "E", 4: (139.0, 41.0, 30.0)}
    image.save(path, "JPEG", exif=exif)
    return path


def submit(page, selector):
    """Click and wait for the page the form leads to (which may be the same address)."""
    with page.expect_navigation():
        page.click(selector)


def fill_account(page, username, display_name, password):
    page.fill("input[name=display_name]", display_name)
    page.fill("input[name=username]", username)
    page.fill("input[name=password]", password)
    page.check("input[name=operator_ack]")
    page.check("input[name=afraid][value=no]")


def test_the_whole_journey_on_phones(live_server, live_app, phone, tmp_path):
    # --- the first account ------------------------------------------------------------------
    ren = phone(locale="en-GB")
    ren.goto(live_server + "/")
    assert ren.url.endswith("/register")
    assert ren.input_value("input[name=timezone]") == "Asia/Tokyo"  # from the browser
    assert_no_horizontal_scroll(ren)
    ren.check("input[name=role][value=rebuilding]")
    fill_account(ren, "ren", "Ren", PASSWORD)
    ren.select_option("select[name=language]", "en")
    submit(ren, "main button[type=submit]")
    assert ren.url.endswith("/pair")
    assert ren.locator(".qr svg").is_visible()
    link = ren.input_value("#invite-link")
    assert "/invite/" in link
    assert_no_horizontal_scroll(ren)

    # --- the partner joins, in Japanese ------------------------------------------------------
    hana = phone(locale="ja-JP")
    hana.goto(link)
    assert hana.locator("html").get_attribute("lang") == "ja"
    fill_account(hana, "hana", "はな", "another quiet song")
    hana.select_option("select[name=language]", "ja")
    submit(hana, "main button[type=submit]")
    assert hana.url == live_server + "/"
    assert "日目" in hana.inner_text(".day-count")
    assert_no_horizontal_scroll(hana)

    # --- a contact check-in with a photo ------------------------------------------------------
    ren.goto(live_server + "/")
    ren.click("a[href='/checkins/new?kind=contact']")
    assert ren.is_checked("input[name=kind][value=contact]")
    ren.fill("textarea[name=body]", "Work dinner near the station, home by 23:00.")
    ren.fill("input[name=expected_end]", "23:00")
    ren.set_input_files("input[name=photos]", str(photo_file(tmp_path)))
    submit(ren, "main button[type=submit]")
    assert re.search(r"/checkins/\d+$", ren.url)
    image = ren.locator(".photos img")
    image.wait_for()
    assert ren.evaluate("img => img.complete && img.naturalWidth", image.element_handle()) == 800
    photo_url = live_server + image.get_attribute("src")
    assert_no_horizontal_scroll(ren)

    # --- a consult answered "no", and a graceful reply ---------------------------------------------
    ren.goto(live_server + "/checkins/new?kind=consult")
    ren.fill("textarea[name=body]", "May I go to the class reunion on Saturday?")
    submit(ren, "main button[type=submit]")
    consult_url = ren.url
    assert re.search(r"/checkins/\d+$", consult_url)

    hana.goto(live_server + "/")
    hana.click(f"a[href='{consult_url.replace(live_server, '')}']")
    hana.check("input[name=answer][value=no]")
    hana.fill("textarea[name=note]", "今回はまだ不安です。")
    submit(hana, ".answer-form button[type=submit]")
    assert "今回はまだ不安です。" in hana.inner_text(".consult-box")

    ren.goto(live_server + "/")
    ren.click("a[href$='#reply']")
    assert ren.input_value("textarea[name=thanks]") == "Thank you for answering honestly."
    submit(ren, ".reply-form button[type=submit]")
    assert "I accept your answer." in ren.inner_text(".reply")

    # --- a condition proposed and accepted ---------------------------------------------------------
    hana.goto(live_server + "/conditions/new")
    hana.fill("textarea[name=text]", "毎晩22時までに一日の報告をする")
    hana.fill("input[name=due_time]", "22:00")
    submit(hana, "main button[type=submit]")
    condition_url = hana.url
    assert re.search(r"/conditions/\d+$", condition_url)
    assert_no_horizontal_scroll(hana)

    ren.goto(live_server + "/")
    ren.click(f"a[href='{condition_url.replace(live_server, '')}']")
    submit(ren, "form[action$='/accept'] button")
    assert "Active" in ren.inner_text(".meta")

    # --- comfort recorded ------------------------------------------------------------------------------
    hana.goto(live_server + "/comfort")
    hana.click(".scale-option:has(input[value='6'])")
    hana.check("input[name=tags][value=late_reply]")
    submit(hana, "main button[type=submit]")
    assert hana.inner_text(".comfort-list .level") == "6"
    assert_no_horizontal_scroll(hana)

    # --- reassurance requested and seen ----------------------------------------------------------------
    hana.goto(live_server + "/")
    submit(hana, "form[action='/reassurance'] button")
    ren.goto(live_server + "/")
    assert ren.locator(".card.urgent").is_visible()
    assert ren.inner_text(".notices-link .badge")
    submit(ren, ".card.urgent button")
    assert ren.locator(".card.urgent").count() == 0
    hana.goto(live_server + "/notices")
    assert "パートナーがそばにいます" in hana.inner_text(".notices")

    # --- quick exit leaves at once, and "back" does not return to the page left -----------------------
    hana.goto(live_server + "/comfort")
    with hana.expect_navigation():
        hana.click("[data-quick-exit]")
    assert hana.url == live_server + "/bye"
    hana.go_back()
    assert hana.url != live_server + "/comfort"

    # --- a stranger cannot open the couple's photo ------------------------------------------------------
    result = live_app.test_cli_runner().invoke(args=["invite", "--base-url", live_server])
    stranger = phone(locale="en-GB")
    stranger.goto(result.output.strip())
    stranger.check("input[name=role][value=rebuilding]")
    fill_account(stranger, "charlie", "Charlie", "a stranger's own phrase")
    submit(stranger, "main button[type=submit]")
    assert stranger.url.endswith("/pair")
    response = stranger.goto(photo_url)
    assert response.status == 404
    assert response.headers["content-type"].startswith("text/html")
    anonymous = phone()
    response = anonymous.goto(photo_url)
    assert anonymous.url.startswith(live_server + "/login")
