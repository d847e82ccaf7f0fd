"""The browser every flow uses, and the checks every page gets: each input has a label, every
control is in the keyboard's tab order, nothing is loaded from another origin, no server error."""

import os
import shutil
import sys
import time
import unittest

from selenium import webdriver
from selenium.common.exceptions import StaleElementReferenceException, WebDriverException
from selenium.webdriver.common.action_chains import ActionChains
from selenium.webdriver.chrome.service import Service
from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support.ui import WebDriverWait

from world import PASSWORD, World


class BrowserTestCase(unittest.TestCase):
    """One headless chromium for a test class, and what every flow does with it: go to a page (and check
    it), wait, press a button (with the mouse or from the keyboard) and wait for the next page, take a
    screenshot, sign in."""

    driver = None
    step = 0

    @classmethod
    def setUpClass(cls):
        options = webdriver.ChromeOptions()
        for argument in ["--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage", "--window-size=1280,900"]:
            options.add_argument(argument)
        options.binary_location = shutil.which("chromium") or "/usr/bin/chromium"
        cls.driver = webdriver.Chrome(service=Service(shutil.which("chromedriver") or "/usr/bin/chromedriver"), options=options)
        cls.driver.implicitly_wait(0)

    @classmethod
    def tearDownClass(cls):
        cls.driver.quit()

    def setUp(self):
        self.started = time.monotonic()

    def tearDown(self):
        print(f"  [{self.id().split('.')[-1]}: {time.monotonic() - self.started:.1f} s]", file=sys.stderr)

    # ---- helpers ----

    def go(self, path):
        self.driver.get(World.base + path)
        self.check_page()

    def wait(self, condition, timeout=20):
        # Live panels replace their elements as events arrive: an element found by one poll can be
        # gone by the time its text is read. That poll counts as "not yet", not as a failure.
        started = time.monotonic()
        waiter = WebDriverWait(self.driver, timeout, poll_frequency=0.1, ignored_exceptions=[StaleElementReferenceException])
        value = waiter.until(condition)
        if time.monotonic() - started > 3:
            print(f"    (waited {time.monotonic() - started:.1f} s at {self.driver.current_url})", file=sys.stderr)
        return value

    def find(self, css):
        return self.driver.find_element(By.CSS_SELECTOR, css)

    def finds(self, css):
        return self.driver.find_elements(By.CSS_SELECTOR, css)

    def shot(self, name):
        BrowserTestCase.step += 1
        self.driver.save_screenshot(os.path.join(World.shots, f"{BrowserTestCase.step:02d}-{name}.png"))

    def submit(self, css):
        """Presses a button and waits for the next page."""
        self.press(lambda: self.find(css).click())

    def tab_to(self, css, limit=40):
        """Moves the focus with the Tab key alone until it reaches `css`: the control is in the
        keyboard's path from where the focus is."""
        target = self.find(css)
        for _ in range(limit):
            if self.driver.switch_to.active_element == target:
                return target
            ActionChains(self.driver).send_keys(Keys.TAB).perform()
        self.fail(f"{css} not reached with {limit} presses of Tab on {self.driver.current_url}")

    def enter_on(self, css):
        """Tabs to a control and presses Enter on it, then waits for the next page."""
        self.tab_to(css)
        self.press(lambda: ActionChains(self.driver).send_keys(Keys.ENTER).perform())

    def press(self, action):
        old = self.find("html")
        action()

        def replaced(_):
            try:
                old.is_enabled()
                return False
            except WebDriverException:  # stale, or "no longer in the document": the new page is there
                return True

        self.wait(replaced)
        self.check_page()

    def check_page(self):
        """Every page: each visible input has a label, every control is in the tab order, nothing comes from
        another origin, no server error."""
        unlabelled = self.driver.execute_script("""
            return Array.from(document.querySelectorAll('input, select, textarea'))
              .filter(e => e.type !== 'hidden' && !e.closest('[hidden]'))
              .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label'))
              .map(e => e.name || e.id);""")
        self.assertEqual(unlabelled, [], f"inputs without a label on {self.driver.current_url}")
        foreign = self.driver.execute_script("""
            const origin = window.location.origin;
            return performance.getEntriesByType('resource').map(r => r.name)
              .filter(u => !u.startsWith(origin) && !u.startsWith('data:'));""")
        self.assertEqual(foreign, [], f"loaded from another origin on {self.driver.current_url}")
        # Every control is in the keyboard's path, in the page's order.
        unreachable = self.driver.execute_script("""
            const controls = 'a[href], button, input:not([type=hidden]), select, textarea, summary';
            return Array.from(document.querySelectorAll(controls))
              .filter(e => e.offsetParent !== null && !e.disabled && e.tabIndex < 0)
              .concat(Array.from(document.querySelectorAll('[tabindex]')).filter(e => e.tabIndex > 0))
              .map(e => e.outerHTML.slice(0, 80));""")
        self.assertEqual(unreachable, [], f"controls out of the keyboard's order on {self.driver.current_url}")
        self.assertNotIn("Something went wrong", self.driver.page_source)

    def sign_in(self, name):
        self.driver.delete_all_cookies()
        self.go("/login")
        self.find("#name").send_keys(name)
        self.find("#password").send_keys(PASSWORD)
        self.submit("#sign-in")
        self.assertIn(name, self.find(".who").text)

    def notice(self):
        return self.find(".notice").text

    def field_error(self, field_id):
        """The error shown next to a field (its aria-describedby target)."""
        element = self.find("#" + field_id)
        self.assertEqual(element.get_attribute("aria-invalid"), "true", f"{field_id} is not marked invalid")
        return self.find("#" + element.get_attribute("aria-describedby")).text
