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
