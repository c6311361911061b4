"""The web pages in a real headless Chromium (Debian's chromium and chromium-driver)."""
import os
import shutil

import pytest
from selenium import webdriver
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import WebDriverWait

from conftest import DEMO_PASSWORD, ROOT

ARTIFACTS = os.path.join(ROOT, ".build", "e2e-artifacts")


@pytest.fixture
def browser():
    options = webdriver.ChromeOptions()
    for arg in ["--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1280,900", "--lang=zh-CN"]:
        options.add_argument(arg)
    options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
    options.set_capability("goog:loggingPrefs", {"browser": "ALL"})
    driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
    yield driver
    driver.quit()


def sign_in(browser, url, username, password):
    browser.get(url + "/")
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.ID, "login-form")))
    browser.find_element(By.ID, "username").send_keys(username)
    browser.find_element(By.ID, "password").send_keys(password)
    browser.find_element(By.ID, "submit").click()


def test_a_county_user_signs_in_sees_the_county_map_and_the_api_knows_the_session(browser, shared_server):
    sign_in(browser, shared_server.url, "huaiyang.handler", DEMO_PASSWORD)
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.ID, "map")))
    assert browser.find_element(By.ID, "username").text == "huaiyang.handler"
    assert "淮阳区" in browser.find_element(By.ID, "scope").text
    rows = browser.find_elements(By.CSS_SELECTOR, "#divisions tbody tr")
    assert [r.find_elements(By.TAG_NAME, "td")[0].text for r in rows] == ["411603"]
    assert len(browser.find_elements(By.CSS_SELECTOR, "#map path")) == 1
    assert "数据来源：天地图" in browser.page_source
    browser.find_element(By.ID, "whoami").click()
    WebDriverWait(browser, 10).until(lambda b: "huaiyang.handler" in b.find_element(By.ID, "whoami-out").text)
    assert browser.find_element(By.ID, "whoami-out").text.startswith("200")
    os.makedirs(ARTIFACTS, exist_ok=True)
    browser.save_screenshot(os.path.join(ARTIFACTS, "workbench-county.png"))
    browser.find_element(By.ID, "logout").click()
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.ID, "login-form")))
    browser.get(shared_server.url + "/")
    assert browser.current_url.endswith("/login")


def test_the_city_admin_sees_all_ten_counties(browser, shared_server):
    from conftest import ADMIN_PASSWORD
    sign_in(browser, shared_server.url, "admin", ADMIN_PASSWORD)
    WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.ID, "map")))
    assert len(browser.find_elements(By.CSS_SELECTOR, "#map path")) == 10
    assert len(browser.find_elements(By.CSS_SELECTOR, "#divisions tbody tr")) == 11
    os.makedirs(ARTIFACTS, exist_ok=True)
    browser.save_screenshot(os.path.join(ARTIFACTS, "workbench-city.png"))


def test_a_wrong_password_shows_the_message_in_both_languages(browser, shared_server):
    sign_in(browser, shared_server.url, "operator", "not-the-password-1")
    error = WebDriverWait(browser, 10).until(EC.presence_of_element_located((By.ID, "login-error")))
    assert "用户名或密码错误" in error.text and "Wrong username or password" in error.text


def serious_violations(browser):
    """axe-core's serious and critical findings on the page now (axe-selenium-python bundles axe-core)."""
    from axe_selenium_python import Axe
    axe = Axe(browser)
    axe.inject()
    results = axe.run()
    return [(v["id"], v["impact"], [n["target"] for n in v["nodes"]][:3]) for v in results["violations"] if v["impact"] in ("serious", "critical")]


@pytest.fixture
def wall(browser):
    browser.set_window_size(1920, 1080)
    return browser


def test_the_wall_display_draws_the_city_and_shows_a_new_case_live(wall, shared_server):
    from conftest import request
    sign_in(wall, shared_server.url, "operator", DEMO_PASSWORD)
    WebDriverWait(wall, 10).until(EC.presence_of_element_located((By.ID, "map")))
    wall.get(shared_server.url + "/screen")
    # The picture: figures, the ten counties, camera sites, the demo's open cases as markers.
    WebDriverWait(wall, 15).until(lambda b: b.find_element(By.ID, "f-today").text not in ("", "–"))
    WebDriverWait(wall, 15).until(lambda b: "实时" in b.find_element(By.ID, "live").text)
    assert len(wall.find_elements(By.CSS_SELECTOR, "#screen-map .counties path")) == 10
    assert len(wall.find_elements(By.CSS_SELECTOR, "#screen-map circle.camera")) > 1000
    assert len(wall.find_elements(By.CSS_SELECTOR, "#markers circle")) > 50
    assert len(wall.find_elements(By.CSS_SELECTOR, "#chart-days polyline")) == 1
    assert "数据来源：天地图" in wall.page_source
    # A hotline call filed now appears within 2 seconds, on the map and at the top of the list.
    token = shared_server.token("operator")
    status, _, filed = request("POST", shared_server.url + "/api/v1/cases", {
        "kind": "complaint", "categoryCode": "20102", "description": "大屏实时测试：七一路垃圾未清运",
        "location": {"lon": 114.6512, "lat": 33.6231}}, token=token)
    assert status == 201, filed
    number = filed["case"]["number"]
    WebDriverWait(wall, 2.5).until(lambda b: b.find_elements(By.ID, "m-" + number))
    first = wall.find_element(By.CSS_SELECTOR, "#latest li")
    assert number in first.text and "大屏实时测试" in first.text
    # The department accepts it: the same case changes state live.
    handler = shared_server.token("handler")
    status, _, _ = request("POST", shared_server.url + f"/api/v1/cases/{number}/accept", {}, token=handler)
    assert status == 200
    WebDriverWait(wall, 2.5).until(lambda b: "处置中" in b.find_element(By.ID, "l-" + number).text)
    os.makedirs(ARTIFACTS, exist_ok=True)
    wall.save_screenshot(os.path.join(ARTIFACTS, "wall-display.png"))
    assert serious_violations(wall) == []
    errors = [e for e in wall.get_log("browser") if e["level"] == "SEVERE"]
    assert errors == [], errors
