"""Scanning at the shelf in a real browser: a keyboard-wedge scanner (it types the code and Enter)
on the pick list, the stock count and the receipt; and the phone camera, played by Chromium's fake
video capture fed with a QR code made here with segno, receiving a transfer parcel by its id.

This module's Chromium is launched with a fake camera (its own `browser` fixture); the rest of the
fixtures are the e2e ones (the live app on a seeded SQLite file, its own per module)."""
from __future__ import annotations

import io
from pathlib import Path

import pytest
from playwright.sync_api import expect

from .conftest import CHROMIUM, CHROMIUM_ARGS, pytestmark, shot, sign_in  # noqa: F401  (pytestmark skips without Chromium)

FRAME = (640, 480)


def write_y4m(path: Path, text: str, frames: int = 10) -> None:
    """A few still frames of `text` as a QR code, big and centred, in the raw YUV 4:2:0 stream
    Chromium's `--use-file-for-fake-video-capture` plays in a loop (grey: Y is the picture, U and V flat)."""
    import numpy as np
    import segno
    from PIL import Image

    width, height = FRAME
    code = segno.make_qr(text, error="m")
    side = int(height * 0.8)
    scale = max(1, side // code.symbol_size(scale=1, border=4)[0])
    buffer = io.BytesIO()
    code.save(buffer, kind="png", scale=scale, border=4)
    symbol = Image.open(buffer).convert("L")
    canvas = Image.new("L", FRAME, 255)
    canvas.paste(symbol, ((width - symbol.width) // 2, (height - symbol.height) // 2))
    luma = np.asarray(canvas, dtype=np.uint8).tobytes()
    chroma = bytes([128]) * (width // 2 * height // 2)
    with path.open("wb") as out:
        out.write(f"YUV4MPEG2 W{width} H{height} F10:1 Ip A1:1 C420jpeg\n".encode())
        for _ in range(frames):
            out.write(b"FRAME\n" + luma + chroma + chroma)


@pytest.fixture(scope="module")
def camera_file(tmp_path_factory, live) -> Path:
    """What the fake camera sees: the QR label of the transfer arriving at GD1 (its id as plain text)."""
    path = tmp_path_factory.mktemp("camera") / "parcel.y4m"
    write_y4m(path, live.ids["arriving"])
    return path


@pytest.fixture(scope="module")
def browser(camera_file):
    from playwright.sync_api import sync_playwright

    with sync_playwright() as p:
        chromium = p.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS + [
            "--use-fake-ui-for-media-stream", "--use-fake-device-for-media-stream",
            f"--use-file-for-fake-video-capture={camera_file}"])
        yield chromium
        chromium.close()


def scan(page, code: str) -> None:
    """What a keyboard-wedge scanner does: type the code into the focused field, then Enter."""
    page.keyboard.type(code)
    page.keyboard.press("Enter")


def test_a_wrong_part_scanned_refuses_the_shipment_and_the_right_ones_ship_it(page, live):
    code = live.ids["requisitions"][1]  # 2 pumps and 2 remote controls from GD1
    sign_in(page, live, "gd_clerk")
    page.goto(f"{live.url}/w/GD1/picks")
    pick = page.locator(f"#pick-{code}")
    ship = pick.locator("button[type=submit]")
    expect(page.locator(".pick input[data-scan]").first).to_be_focused()  # the first pick takes the scanner
    scan(page, code)  # the parcel label's QR of another pick: its scan field takes the next scans
    expect(pick.locator("input[data-scan]")).to_be_focused()
    expect(pick.locator(".scan-status")).to_have_text(f"现在扫描申请单 {code}。")

    scan(page, "WM-MOTOR-01")  # a motor picked from the wrong bin
    expect(pick.locator(".scan-status")).to_have_text("WM-MOTOR-01 不是本单的配件，不能发运，请放回货架。")
    expect(ship).to_be_disabled()
    scan(page, "WM-PUMP-01")
    scan(page, "AC-REMOTE-01")
    expect(pick.locator("tr[data-sku=WM-PUMP-01] td.scanned")).to_have_text("1 / 2")
    expect(pick.locator(".scan-status")).to_have_text("AC-REMOTE-01：已扫描 1 / 2 件。")
    scan(page, "WM-MOTOR-01")  # the wrong motor again, between right parts: refused each time
    expect(pick.locator(".scan-status")).to_have_text("WM-MOTOR-01 不是本单的配件，不能发运，请放回货架。")
    expect(ship).to_be_disabled()
    shot(page, "clerk-scan-pick")

    scan(page, "WM-PUMP-01")
    scan(page, "WM-PUMP-01")  # one too many: refused, the count stays
    expect(pick.locator(".scan-status")).to_have_text("WM-PUMP-01 已扫够 2 件。")
    scan(page, "AC-REMOTE-01")  # the last unit: the pick ships by itself
    expect(page.locator(".flash.success")).to_have_text(f"申请单 {code} 已发运。")
    expect(page.locator(f"#pick-{code}")).to_have_count(0)
    page.goto(f"{live.url}/w/GD1/movements?ref={code}&kind=issue")
    expect(page.locator("table tbody tr")).to_have_count(2)


def test_without_javascript_the_server_refuses_a_wrong_part_typed_by_the_scanner(browser, live):
    """The same wedge scanner typing into the form's list of codes (one a line), no script at all:
    the server checks the scans and refuses."""
    context = browser.new_context(java_script_enabled=False, locale="zh-CN")
    page = context.new_page()
    try:
        code = live.ids["requisitions"][2]  # 3 pumps
        sign_in(page, live, "gd_clerk")
        page.goto(f"{live.url}/w/GD1/picks")
        pick = page.locator(f"#pick-{code}")
        expect(pick.locator("input[data-scan]")).to_be_hidden()  # the scan field is the script's
        pick.locator("textarea[name=scanned]").click()
        for sku in ("WM-PUMP-01", "WM-PUMP-01", "WM-MOTOR-01"):
            scan(page, sku)
        pick.locator("button[type=submit]").click()
        expect(page.locator(f"#pick-{code} p.error")).to_have_text(
            f"扫描到 WM-MOTOR-01，不是申请单 {code} 从 GD1 发运的配件，请放回货架")
        expect(page.locator(f"#pick-{code}")).to_be_visible()
    finally:
        context.close()


def test_each_scan_counts_one_more_of_the_part_being_counted(page, live):
    sign_in(page, live, "gd_clerk")
    page.goto(f"{live.url}/w/GD1/count")
    expect(page.locator("#scan-count")).to_be_focused()
    for _ in range(3):
        scan(page, "WM-MOTOR-01")
    expect(page.locator("input[name=sku]")).to_have_value("WM-MOTOR-01")
    expect(page.locator("input[name=counted]")).to_have_value("3")
    expect(page.locator(".balance")).to_contain_text("洗涤电机")
    scan(page, "WM-PUMP-01")  # another part before this count is saved: refused
    expect(page.locator(".scan-status")).to_have_text("请先保存 WM-MOTOR-01，再扫描 WM-PUMP-01。")
    expect(page.locator("input[name=counted]")).to_have_value("3")


def test_each_scan_adds_one_to_that_parts_line_of_the_cycle_count(page, live):
    sign_in(page, live, "gd_clerk")
    page.goto(f"{live.url}/w/GD1/cycle-count")
    page.locator("button", has_text="开始今日盘点").click()
    line = page.locator("input[data-sku=WM-PUMP-01]")
    expect(line).to_have_value("")
    expect(page.locator("#scan-cycle-count")).to_be_focused()
    scan(page, "WM-PUMP-01")
    scan(page, "WM-PUMP-01")
    expect(line).to_have_value("2")
    scan(page, "NOT-A-PART")
    expect(page.locator(".scan-status")).to_have_text("NOT-A-PART 不在本次盘点中。")
    expect(line).to_have_value("2")


def test_a_camera_scan_of_a_parcels_qr_receives_the_transfer(page, live):
    transfer = live.ids["arriving"]  # 6 pumps from HQ, shipped and on their way
    page.context.grant_permissions(["camera"], origin=live.url)
    console = []  # the browser's own words, for the failure message: a camera that never decodes says nothing
    page.on("console", lambda message: console.append(f"{message.type}: {message.text}"))
    page.on("pageerror", lambda error: console.append(f"pageerror: {error}"))
    sign_in(page, live, "gd_clerk")
    page.goto(f"{live.url}/w/GD1/picks")  # the parcel's label held up to a pick's camera: not a part of it
    pick = page.locator(".pick").first
    pick.locator("button.camera").click()
    try:
        expect(pick.locator(".camera-view video")).to_be_visible(timeout=30000)  # the camera is on
        expect(pick.locator(".scan-status")).to_have_text(f"{transfer} 不是本单的配件，不能发运，请放回货架。",
                                                          timeout=60000)  # and a frame decoded
    except AssertionError as failure:
        raise AssertionError(f"{failure}\nbrowser console:\n" + "\n".join(console[-40:])) from None
    shot(page, "clerk-scan-camera")
    pick.locator("button.camera").click()  # stop
    expect(pick.locator(".camera-view")).to_be_hidden()

    page.goto(f"{live.url}/w/GD1/transfers")
    camera = page.locator("button.camera[data-camera-for=scan-receive-transfers]")
    expect(camera).to_have_text("用摄像头扫描")
    camera.click()
    expect(page.locator(".flash.success")).to_have_text(f"调拨单 {transfer} 已收货 6。", timeout=30000)
    expect(page.locator(f"#tr-{transfer}")).to_have_count(0)  # no longer arriving
    recent = page.locator("section.card", has_text="最近调拨")
    expect(recent.locator("tr", has_text=transfer)).to_contain_text("已收货")
