"""The dashboard, as a Trust & Safety team uses it, in a real browser.

Starts `vigil serve` on a fresh SQLite data directory (with its demo bank), the local
CyberTipline, and a small web server for the demo images; creates people of each role with
`vigil users create`; then performs the issue's flows 1-8 by pointing and clicking in headless
chromium. Along the way every page visited is checked for unlabelled inputs and for anything
loaded from another origin. Each step's screenshot goes to --screenshots.

Run it through Tests/Browser/run.sh.
"""

import argparse
import json
import os
import random
import sys
import time
import traceback
import unittest
import urllib.request

from selenium.webdriver.common.by import By
from selenium.webdriver.common.keys import Keys
from selenium.webdriver.support import expected_conditions as EC
from selenium.webdriver.support.ui import Select

from browser_page import BrowserTestCase
from world import PASSWORD, World


# WCAG 2.x contrast of every visible text against the background it is drawn on (the first
# opaque background of it or an ancestor; white at the root): 4.5:1, or 3:1 for large text
# (24 px, or 18.66 px bold). Returns "text (colour on background, ratio)" for each failure.
CONTRAST_CHECK = """
function rgb(text) { const m = text.match(/[\\d.]+/g); return m ? m.map(Number) : [0, 0, 0, 0]; }
function lum(c) { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
                  return 0.2126 * f(c[0]) + 0.7152 * f(c[1]) + 0.0722 * f(c[2]); }
function background(element) {
  for (let e = element; e; e = e.parentElement) {
    const c = rgb(getComputedStyle(e).backgroundColor);
    if (c.length < 4 || c[3] > 0.99) return c;
  }
  return [255, 255, 255];
}
const failures = [];
const walker = document.createTreeWalker(document.body, NodeFilter.SHOW_TEXT);
const seen = new Set();
while (walker.nextNode()) {
  const node = walker.currentNode, element = node.parentElement;
  if (!element || seen.has(element) || !node.textContent.trim()) continue;
  seen.add(element);
  if (element.closest('svg, [hidden], .sr-only, option, script, style')) continue;
  const box = element.getBoundingClientRect(), style = getComputedStyle(element);
  if (box.width === 0 || box.height === 0 || style.visibility === 'hidden' || parseFloat(style.opacity) === 0) continue;
  const fg = rgb(style.color), bg = background(element);
  const a = lum(fg) + 0.05, b = lum(bg) + 0.05, ratio = Math.max(a, b) / Math.min(a, b);
  const size = parseFloat(style.fontSize), bold = parseInt(style.fontWeight, 10) >= 700;
  const needed = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
  if (ratio < needed) failures.push(JSON.stringify(node.textContent.trim().slice(0, 40)) + ' (' + style.color + ' on rgb(' + bg.slice(0, 3).join(', ') + '), ' + ratio.toFixed(2) + ':1)');
}
return failures;
"""


class Dashboard(BrowserTestCase):
    """Flows 1-8 in order: each builds on what the one before left (a credential, a workflow, a case)."""

    # ---- 0: signing in with the keyboard alone; refusals ----

    def test_00_sign_in_from_the_keyboard(self):
        self.driver.delete_all_cookies()
        self.go("/cases")
        self.assertIn("/login", self.driver.current_url)
        name = self.find("#name")
        self.assertEqual(self.driver.switch_to.active_element, name, "the name field has the focus")
        name.send_keys("rita", Keys.TAB)
        self.driver.switch_to.active_element.send_keys("wrong password", Keys.ENTER)
        self.wait(EC.presence_of_element_located((By.ID, "general-error")))
        self.assertIn("wrong", self.find("#general-error").text)
        self.shot("sign-in-refused")
        self.find("#name").clear()
        self.find("#name").send_keys("rita", Keys.TAB)
        self.driver.switch_to.active_element.send_keys(PASSWORD, Keys.ENTER)
        self.wait(EC.url_contains("/cases"))
        self.shot("signed-in-from-the-keyboard")
        cookie = self.driver.get_cookie("vigil_session")
        self.assertTrue(cookie["httpOnly"])
        self.assertEqual(cookie["sameSite"], "Strict")
        self.assertEqual(self.driver.execute_script("return document.cookie"), "", "no script can read the session")

    # ---- 1: integrations, credentials, test connection ----

    def test_01_photodna_credential(self):
        self.sign_in("ana")
        self.go("/integrations")
        self.assertGreaterEqual(len(self.finds(".integration-card")), 5)
        self.shot("marketplace")
        self.find("#integration-photodna").click()
        self.wait(EC.presence_of_element_located((By.ID, "credential-nickname")))
        self.check_page()
        self.submit("#save-credential")  # nothing filled in: errors next to the fields
        self.assertIn("required", self.field_error("credential-nickname"))
        self.assertIn("required", self.field_error("credential-subscription_key"))
        self.shot("credential-errors")
        self.find("#credential-nickname").send_keys("Own PhotoDNA")
        endpoint = self.find("#credential-endpoint")
        endpoint.clear()
        endpoint.send_keys(World.base + "/photodna/v1.0")
        self.find("#credential-subscription_key").send_keys(World.matcher_key)
        self.submit("#save-credential")
        # Only an admin may point a credential away from the service's own hosts: the analyst
        # is told so at the endpoint field, and the secret is not kept in the form.
        self.assertIn("only an admin", self.field_error("credential-endpoint"))
        self.assertNotIn(World.matcher_key, self.driver.page_source)
        self.shot("credential-endpoint-needs-an-admin")
        self.sign_in("ada")
        self.go("/integrations/photodna")
        self.find("#credential-nickname").send_keys("Own PhotoDNA")
        endpoint = self.find("#credential-endpoint")
        endpoint.clear()
        endpoint.send_keys(World.base + "/photodna/v1.0")
        self.find("#credential-subscription_key").send_keys(World.matcher_key)
        self.submit("#save-credential")
        self.assertIn("/credentials", self.driver.current_url)
        self.assertIn("Own PhotoDNA", self.driver.page_source)
        self.assertNotIn(World.matcher_key, self.driver.page_source, "the key is never shown again")
        self.assertIn("••••" + World.matcher_key[-4:], self.driver.page_source)
        card = self.finds("li[id^='credential-']")[0]
        credential_id = card.get_attribute("id").removeprefix("credential-")
        World.state["photodna_credential"] = credential_id
        self.submit(f"#test-{credential_id}")
        result = self.find(f"#test-result-{credential_id}").text
        self.assertIn("Connection works", result)
        self.shot("credential-tested")
        # The CyberTipline credential for the reports of flow 3, the same way.
        self.go("/integrations/ncmec_cybertipline")
        self.find("#credential-nickname").send_keys("Mock CyberTipline")
        for field, value in [("username", "esp-user"), ("password", "esp-password")]:
            self.find(f"#credential-{field}").send_keys(value)
        endpoint = self.find("#credential-endpoint")
        endpoint.clear()
        endpoint.send_keys(f"http://127.0.0.1:{World.mock_port}")
        self.submit("#save-credential")
        self.assertIn("Mock CyberTipline", self.driver.page_source)
        self.assertNotIn("esp-password", self.driver.page_source)

    # ---- 2: the workflow builder ----

    def test_02_workflow_builder(self):
        self.sign_in("ana")
        self.go("/workflows")
        self.submit("#create-workflow")  # no name, no event: errors at the fields
        self.assertIn("name", self.field_error("wf-name"))
        self.find("#wf-name").send_keys("Screen uploads with PhotoDNA")
        self.find("input[name=trigger][value=api]").click()
        # The parameters one a row: the image is required, the account is not.
        self.assertEqual(self.find("#new-parameter-name-0").get_attribute("value"), "image_url")
        self.assertTrue(self.find("#new-parameter-required-0").is_selected())
        self.assertEqual(self.find("#new-parameter-name-1").get_attribute("value"), "account_reference_id")
        self.assertFalse(self.find("#new-parameter-required-1").is_selected())
        self.shot("new-workflow")
        self.submit("#create-workflow")
        self.assertIn("/workflows/wfl_", self.driver.current_url)
        World.state["workflow"] = self.driver.current_url.split("/workflows/")[1].split("#")[0]
        # An empty draft offers no Publish, and says why.
        self.assertEqual(self.finds("#publish"), [])
        self.assertIn("no step yet", self.find("#publish-blocked").text)
        # Add step → Action → Integrations → PhotoDNA → Match Lookup.
        Select(self.find("#add-kind")).select_by_value("action")
        Select(self.find("#add-action")).select_by_value("photodna.match_lookup")
        self.submit("#choose-step")
        self.assertTrue(self.find("#input-enhanced_detection").get_attribute("type") == "checkbox")
        self.assertEqual([o.text for o in Select(self.find("#input-value_format")).options], ["—", "URL", "Inline"])
        self.assertEqual(self.find("#input-image_url").get_attribute("list"), "template-variables")
        offered = [o.get_attribute("value") for o in self.finds("#template-variables option")]
        self.assertIn("{{ trigger.image_url }}", offered)
        self.shot("match-lookup-form")
        # A bad step id and no image: the errors come back at the step's fields.
        self.find("#step-id").send_keys("Bad Id")
        self.submit("#save-step")
        self.assertIn("step id", self.field_error("step-id"))
        self.assertIn("image_url", self.find(".error[role=alert]").text)
        self.shot("step-errors")
        step_id = self.find("#step-id")
        step_id.clear()
        step_id.send_keys("pdna")
        Select(self.find("#step-credential")).select_by_value(World.state["photodna_credential"])
        Select(self.find("#input-value_format")).select_by_value("URL")
        self.find("#input-image_url").send_keys("{{ trigger.image_url }}")
        self.submit("#save-step")
        self.assertIn("Step pdna added", self.notice())
        # A conditional with a branch, and an action in the branch.
        Select(self.find("#add-kind")).select_by_value("conditional")
        self.submit("#choose-step")
        # Named, not given an id: its id is made from its name.
        self.find("#cond-name").send_keys("Decide")
        self.find("#branch-0").send_keys("known")
        self.find("#condition-0").send_keys("steps.pdna.output.nonsense")
        self.submit("#save-conditional")
        self.assertIn("nonsense", self.field_error("condition-0"))
        # Built from the lookup's declared outputs instead: when, is, value.
        self.find("#condition-0").clear()
        Select(self.find("#when-0-0")).select_by_value("steps.pdna.output.is_match")
        Select(self.find("#op-0-0")).select_by_value("true")
        self.shot("condition-builder")
        self.submit("#save-conditional")
        self.assertIn("Step decide added", self.notice())
        self.assertIn("steps.pdna.output.is_match == true", self.find("#steps").text)
        Select(self.find("#add-kind")).select_by_value("action")
        Select(self.find("#add-action")).select_by_value("case.create")
        Select(self.find("#add-place")).select_by_value("decide#0")
        self.submit("#choose-step")
        self.find("#step-id").send_keys("open_case")
        self.find("#input-title").send_keys("PhotoDNA match")
        queue = self.find("#input-queue")
        queue.clear()
        queue.send_keys("csam")
        Select(self.find("#input-priority")).select_by_value("urgent")
        self.find("#input-account_reference_id").send_keys("{{ trigger.account_reference_id }}")
        self.find("#input-matches").send_keys("{{ steps.pdna.output.matches }}")
        provider = self.find("#input-provider")
        provider.clear()
        provider.send_keys("photodna")
        self.find("#input-image_url").send_keys("{{ trigger.image_url }}")
        self.submit("#save-step")
        self.assertIn("Step open_case added", self.notice())
        # The draft is drawn as a flow: the new step sits in the "known" branch, beside "else",
        # under the conditional, which comes after the lookup.
        branch = self.find("#step-decide .flow-branch")
        self.assertIn("known", branch.find_element(By.CSS_SELECTOR, ".flow-branch-head").text)
        self.assertEqual(branch.find_element(By.CSS_SELECTOR, ".flow-node").get_attribute("id"), "step-open_case")
        self.assertEqual(len(self.finds("#step-decide .flow-else")), 1)
        nodes = [n.get_attribute("id") for n in self.finds("#steps > ol.flow > li")]
        self.assertEqual(nodes[1:3], ["step-pdna", "step-decide"], "the trigger, then the steps in order")
        self.driver.execute_script("arguments[0].scrollIntoView()", self.find("#steps"))
        self.shot("builder-flow")
        # Any step opens for editing, filled with what it holds; saving changes it where it is.
        self.submit("a[aria-label='Edit step open_case']")
        self.assertIn("Edit step open_case", self.find("#add-h").text)
        self.assertEqual(self.find("#input-queue").get_attribute("value"), "csam")
        self.find("#step-name").send_keys("Open a case")
        self.submit("#save-step")
        self.assertIn("Step open_case changed", self.notice())
        self.assertIn("Open a case", self.find("#step-open_case").text)
        # A copy, and its removal (which asks first).
        self.submit("button[aria-label='Duplicate step pdna']")
        self.assertTrue(self.finds("#step-pdna_2"))
        self.press(lambda: (self.find("button[aria-label='Remove step pdna_2']").click(), self.wait(EC.alert_is_present()).accept()))
        self.assertEqual(self.finds("#step-pdna_2"), [])
        # Moving the decision above the lookup it reads is refused in words, and nothing moves.
        self.submit("button[aria-label='Move step decide up']")
        self.assertIn("Not saved", self.find("#workflow-error").text)
        self.shot("draft-with-branch")
        self.assertIn("the first version", self.find("#draft-changes").text)
        # A test run of the draft before it is published: PhotoDNA is asked for real; the case
        # it would open is shown, and not opened.
        cases_before = len(World.api("GET", "/v1/cases?limit=1000")["cases"])
        self.find("#trial-image_url").send_keys(World.image_base + "/demo-1.jpg")
        self.submit("#try-draft")
        self.assertIn("Matched", self.find("#trial-pdna").text)
        self.assertIn("would open a case", self.find("#trial-open_case").text)
        self.assertEqual(len(World.api("GET", "/v1/cases?limit=1000")["cases"]), cases_before, "a test run opened a case")
        self.shot("test-run")
        self.press(lambda: (self.find("#publish").click(), self.wait(EC.alert_is_present()).accept()))
        self.assertIn("Version 1 published", self.notice())
        self.assertIn("live", self.find("#versions").text)
        # The upload pipeline calls it; the run history shows each step.
        run = World.api("POST", f"/v1/workflows/{World.state['workflow']}/runs",
                        {"image_url": World.image_base + "/demo-1.jpg", "account_reference_id": "user-42"})
        World.state["run"] = run["id"]
        self.wait_for_run(run["id"])
        self.go(f"/workflows/{World.state['workflow']}")
        self.assertIn(f"#{run['id']}", self.find("#runs").text)
        self.find(f"a[href='/workflow-runs/{run['id']}']").click()
        self.wait(EC.presence_of_element_located((By.ID, "run-steps")))
        self.check_page()
        self.assertEqual(self.find("#run-status").text, "succeeded")
        steps = self.find("#run-steps").text
        for step in ["pdna", "decide", "open_case"]:
            self.assertIn(step, steps)
        self.assertRegex(steps, r"\d+ ms")
        # The page leads with what the run did, in words and links (issue 30 §2).
        story = self.find("#run-story")
        self.assertIn("Matched", story.text)
        opened = story.find_element(By.CSS_SELECTOR, "a[href^='/cases/']")
        self.assertRegex(opened.text, r"case #\d+ opened")
        self.shot("run-history")

    def wait_for_run(self, run_id):
        deadline = time.monotonic() + 60
        while time.monotonic() < deadline:
            run = World.api("GET", f"/v1/workflow-runs/{run_id}")
            if run["status"] in ("succeeded", "failed", "cancelled"):
                self.assertEqual(run["status"], "succeeded", json.dumps(run)[:2000])
                return run
            time.sleep(0.2)  # polling the run's state
        self.fail(f"run {run_id} did not finish")

    # ---- 3: cases: queue, evidence, reveal, decisions, the NCMEC report ----

    def test_03_case_review_and_report(self):
        # Organisation details first (flow 9's settings, used by every report).
        self.sign_in("ada")
        self.go("/settings")
        self.find("#org-esp").send_keys("Browser Test Service")
        self.find("#org-email").send_keys("not-an-email")
        self.submit("#save-organisation")
        self.assertIn("@", self.field_error("org-email"))
        email = self.find("#org-email")
        email.clear()
        email.send_keys("trust-safety@example.com")
        self.submit("#save-organisation")
        self.assertIn("Organisation details saved", self.notice())
        self.sign_in("rita")
        self.go("/cases")
        Select(self.find("#f-queue")).select_by_value("csam")
        self.submit(".filters button")
        rows = self.finds("#case-queue tbody tr")
        self.assertGreaterEqual(len(rows), 1)
        self.shot("case-queue")
        rows[0].find_element(By.CSS_SELECTOR, "a").click()
        self.wait(EC.presence_of_element_located((By.ID, "case-meta")))
        self.check_page()
        World.state["case"] = self.find("#case-meta").get_attribute("data-case")
        preview = self.find(".evidence-image")
        self.assertIn("/preview", preview.get_attribute("src"), "evidence starts as the blurred preview")
        self.assertIn("photodna", self.find(".evidence").text)
        # Opening it started its review; the listed keys work ("n": to the comment field).
        self.assertEqual(self.find("#case-status").text, "in review")
        self.assertIn("escalate", self.find("#shortcuts").text)
        self.find("body").send_keys("n")
        self.assertEqual(self.driver.switch_to.active_element.get_attribute("id"), "comment")
        self.shot("case-blurred")
        self.submit("[id^=reveal-]")
        # The reveal counts against the shift's exposure budget, and its page is a GET (post/redirect/get).
        self.assertIn("left this shift", self.notice())
        self.assertIn("shown=", self.driver.current_url)
        revealed = self.find(".evidence-image.revealed")
        self.assertTrue(revealed.get_attribute("src").startswith("data:image/"))
        # The reveal is recorded as the reviewer seeing the file: what the browser draws must be
        # sharp (greyscale at most), whatever classes the page gives it.
        def drawn_filter():
            return self.driver.execute_script("return getComputedStyle(arguments[0]).filter", revealed)
        self.assertNotIn("blur", drawn_filter(), "a revealed image is shown clearly")
        self.shot("case-revealed")
        revealed.click()  # the reviewer looks away
        self.assertIn("blur", drawn_filter())
        revealed.send_keys(Keys.ENTER)  # and back, from the keyboard
        self.assertNotIn("blur", drawn_filter())
        # The image blurs again by itself: the original leaves the page, the preview takes its place.
        self.wait(lambda d: revealed.get_attribute("data-reblurred") == "true", timeout=30)
        self.assertIn("/preview", revealed.get_attribute("src"))
        self.assertNotIn("data:image", self.driver.page_source)
        self.find("#comment").send_keys("Matches a known PhotoDNA signature.")
        self.submit("#timeline button[type=submit]")
        self.assertIn("Comment added", self.notice())
        self.assertIn("Matches a known PhotoDNA signature.", self.find("#timeline").text)
        # A decision from the keyboard: "e" goes to Escalate and Enter presses it (one stray key
        # decides nothing; the keys are listed on the page).
        self.find("body").send_keys("e")
        self.assertEqual(self.driver.switch_to.active_element.get_attribute("id"), "decide-escalate")
        self.press(lambda: self.driver.switch_to.active_element.send_keys(Keys.ENTER))
        self.assertIn("escalate", self.notice())
        self.assertEqual(self.find("#case-status").text, "escalated")
        self.find("#assignee").send_keys("rita")
        self.submit("#decide-assign")
        self.assertIn("rita", self.find("#case-meta").text)
        # The report: draft, review every field, save.
        self.submit("#draft-report")
        self.assertIn("drafted", self.notice())
        self.assertEqual(self.find("#report-state").text, "draft")
        self.assertIn("user-42", self.find("#report").text, "the linked account is the reported person")
        self.find("#web_page_urls").send_keys("not a url")
        self.submit("#save-report")
        self.assertIn("http(s) URL", self.field_error("web_page_urls"))
        urls = self.find("#web_page_urls")
        urls.clear()
        urls.send_keys("https://platform.example/u/user-42")
        select = self.finds("select[id^=classification_]")[0]
        Select(select).select_by_value("A1")
        self.submit("#save-report")
        self.assertIn("Report saved", self.notice())
        self.assertEqual(len(self.finds("#approve-report")), 0, "a reviewer cannot approve")
        self.shot("report-draft")
        # The reporter approves; the panel follows the submission without a reload.
        self.sign_in("rob")
        self.go(f"/cases/{World.state['case']}")
        # Approving asks first (it cannot be unsent); Cancel leaves the draft as it is.
        self.find("#approve-report").click()
        question = self.wait(EC.alert_is_present())
        self.assertIn("submit it to NCMEC", question.text)
        question.dismiss()
        self.assertEqual(self.find("#report-state").text, "draft")
        self.press(lambda: (self.find("#approve-report").click(), self.wait(EC.alert_is_present()).accept()))
        self.wait(lambda d: d.find_element(By.ID, "report-state").text == "finished", timeout=60)
        self.assertTrue(self.find("#ncmec-report-id").text.isdigit())
        self.assertIn("reportId", self.find("#report-receipt").get_attribute("textContent"))
        # The receipt reads as fields: NCMEC's report number and each file by its name.
        receipt = self.find("#report-receipt-fields").text
        self.assertIn(self.find("#ncmec-report-id").text, receipt)
        self.assertIn("NCMEC file", receipt)
        self.shot("report-finished")
        # The reveal is in the audit log.
        self.sign_in("ada")
        self.go("/audit?action=evidence.reveal")
        self.assertIn("user:rita", self.find("#audit").text)
        self.shot("audit-reveal")

    # ---- 4: accounts ----

    def test_03b_exposure_caps_hide_and_pause(self):
        """A supervisor gives the case's priority a cap of its own; the reviewer reveals, hides the
        file (its time is measured), and at the cap the case page pauses reveals and says why."""
        case = World.state["case"]
        self.sign_in("rita")
        self.go(f"/cases/{case}")
        priority = self.find("#case-meta .tag").text
        self.sign_in("ada")
        self.go("/users")
        Select(self.find("#limit-target")).select_by_value(f"priority:{priority}")
        self.find("#limit-reveals").send_keys("lots")
        self.submit("#set-limit")
        self.assertIn("not a whole number", self.field_error("limit-reveals"))
        # The refusal is a page of its own (post/redirect/get): a reload shows it again and posts
        # nothing, and Back goes to the form's page without asking to resend.
        self.assertIn("/refused/", self.driver.current_url)
        self.driver.refresh()
        self.assertIn("not a whole number", self.field_error("limit-reveals"))
        self.driver.back()
        self.wait(lambda d: d.current_url.endswith("/users"))
        self.assertEqual(len(self.finds("#limit-reveals-error")), 0)
        self.go("/refused/" + "0" * 32)
        self.assertIn("kept for 10 minutes", self.find("main").text)
        self.go("/users")
        Select(self.find("#limit-target")).select_by_value(f"priority:{priority}")
        self.find("#limit-reveals").send_keys("lots")
        self.submit("#set-limit")
        reveals = self.find("#limit-reveals")
        reveals.clear()
        reveals.send_keys("2")
        self.submit("#set-limit")
        self.assertIn(f"Cap for {priority} cases: 2 reveals a shift", self.notice())
        self.sign_in("rita")
        self.go(f"/cases/{case}")
        self.submit("[id^=reveal-]")
        # The earlier reveal of this case counts too: this is the second of two.
        self.assertIn(f"for files of {priority} cases, 0 of 2 reveals left", self.notice())
        self.assertTrue(self.find(".evidence-image.revealed").get_attribute("src").startswith("data:image/"))
        self.submit("[id^=hide-]")
        self.assertIn("Hidden: clear for", self.notice())
        self.assertNotIn("data:image", self.driver.page_source, "a hidden file leaves the page")
        note = self.find("#exposure-note")
        self.assertIn(f"the most the cap for {priority} cases allows", note.text)
        self.assertIn("Work that needs no image goes on", note.text)
        self.assertEqual(len(self.finds("[id^=reveal-]")), 0, "no Reveal at the cap")
        self.driver.execute_script("arguments[0].scrollIntoView()", note)
        self.shot("case-exposure-paused")
        # The supervisor sees it (counts and time, never the file), and removes the cap again.
        self.sign_in("ada")
        self.go("/users")
        self.assertIn("paused", self.find("#exposure").text)
        self.driver.execute_script("arguments[0].scrollIntoView()", self.find("#exposure"))
        self.shot("users-exposure")
        self.press(lambda: (self.find("#exposure form[action='/exposure-limits/remove'] button").click(),
                            self.wait(EC.alert_is_present()).accept()))
        self.assertIn("removed", self.notice())

    def test_04_accounts_from_the_keyboard(self):
        self.sign_in("rita")
        self.go("/accounts")
        self.tab_to("#q").send_keys("user-42")
        self.press(lambda: self.find("#q").send_keys(Keys.ENTER))
        self.enter_on("a[href^='/accounts/']")
        self.wait(EC.presence_of_element_located((By.ID, "account-status")))
        self.assertIn(f"#{World.state['case']}", self.driver.page_source)
        self.tab_to("#reason")
        self.enter_on("#block-account")  # no reason
        self.assertIn("reason", self.field_error("reason"))
        self.tab_to("#reason").send_keys("Uploaded known CSAM (case review).")
        self.enter_on("#block-account")
        self.assertEqual(self.find("#account-status").text, "blocked")
        self.shot("account-blocked")
        self.tab_to("#reason").send_keys("Appeal upheld.")
        self.enter_on("#unblock-account")
        self.assertEqual(self.find("#account-status").text, "active")
        self.assertIn("blocked", self.driver.page_source.lower())

    # ---- 5: banks ----

    def test_05_banks(self):
        self.sign_in("cur")
        self.go("/banks")
        self.find("#bank-name").send_keys("BROWSER_BANK")
        threshold = self.find("#bank-threshold")
        threshold.clear()
        threshold.send_keys("999")
        self.submit("#create-bank")
        self.assertIn("0 to 256", self.field_error("bank-threshold"))
        threshold = self.find("#bank-threshold")
        threshold.clear()
        threshold.send_keys("31")
        self.submit("#create-bank")
        self.assertIn("BROWSER_BANK created", self.notice())
        # Import 120 hashes (a benign list made here) and follow the job.
        rows = ["pdq,external_id,note"]
        random.seed(13)
        hashes = ["".join(random.choice("0123456789abcdef") for _ in range(64)) for _ in range(120)]
        rows += [f"{h},ext-{i},imported {i}" for i, h in enumerate(hashes)]
        path = os.path.join(World.data, "import.csv")
        with open(path, "w") as f:
            f.write("\n".join(rows) + "\n")
        self.find("#import-file").send_keys(path)
        self.submit("#import-button")
        self.assertIn("/jobs/", self.driver.current_url)
        self.wait(lambda d: d.find_element(By.ID, "job-state").text == "succeeded", timeout=60)
        self.wait(lambda d: "120" in d.find_element(By.ID, "job-summary").text)
        self.shot("import-finished")
        self.go("/banks/BROWSER_BANK")
        self.assertEqual(len(self.finds("#entries tbody tr")), 50)
        self.submit("#next-page")
        self.assertEqual(len(self.finds("#entries tbody tr")), 50)
        self.shot("entries-page-2")
        self.find("#search-hash").send_keys("xyz")
        self.submit("#search-button")
        self.assertIn("is not", self.field_error("search-hash"))
        self.find("#search-hash").send_keys(Keys.CONTROL, "a")
        self.find("#search-hash").send_keys(hashes[7])
        self.submit("#search-button")
        result = self.find("#search-results").text
        self.assertIn("ext-7", result)
        self.assertEqual(self.finds("#search-results .distance")[0].text, "0")
        entry = self.finds("#search-results a")[0].text
        self.shot("search-by-hash")
        self.go("/banks/BROWSER_BANK")
        self.submit(f"#snooze-button-{entry}")
        self.assertIn(f"Entry {entry} snoozed", self.notice())
        self.assertIn("snoozed until", self.find(f"#entry-{entry}").text)
        # A search by image in the demo bank.
        self.go("/banks/VIGIL_DEMO")
        self.find("#search-image").send_keys(os.path.join(World.images, "demo-2.jpg"))
        self.submit("#search-button")
        self.assertEqual(self.finds("#search-results .distance")[0].text, "0")

    # ---- 6: try an image ----

    def test_06_try_an_image(self):
        self.sign_in("ana")
        self.go("/try")
        self.submit("#try-button")
        self.assertIn("Choose an image", self.field_error("try-image"))
        self.find("#try-image").send_keys(os.path.join(World.images, "demo-3.jpg"))
        self.submit("#try-button")
        self.assertEqual(self.find("#try-verdict").text, "Match")
        self.assertIn("VIGIL_DEMO", self.find("#try-matches").text)
        answer = json.loads(self.find("#try-json").get_attribute("textContent"))
        self.assertTrue(answer["is_match"])
        self.assertEqual(answer["signals"]["pdq"], self.find("#try-pdq").text)
        self.assertTrue(self.find("#try-result img").get_attribute("src").startswith("data:image/jpeg"), "only the blurred preview")
        self.shot("try-match")
        self.find("#try-url").send_keys("http://127.0.0.1:9/nothing.jpg")
        self.submit("#try-button")
        self.assertIn("could not be fetched", self.field_error("try-url"))

    # ---- 7: home charts ----

    def test_07_home_charts(self):
        self.sign_in("ada")
        self.go("/?range=24h")
        charts = self.finds("svg.chart")
        self.assertGreaterEqual(len(charts), 5)
        titles = self.find(".charts").text
        for title in ["Lookups and matches", "Open cases per queue", "Time to decision", "NCMEC reports", "Webhook deliveries"]:
            self.assertIn(title, titles)
        bars = self.finds("svg.chart rect.s1")
        self.assertTrue(any(float(b.get_attribute("height") or 0) > 0 for b in bars), "the lookups of the flows show")
        self.shot("home-24h")
        self.find("a[href='/?range=7d']").click()
        self.wait(EC.url_contains("range=7d"))
        self.assertIn("per day", self.find(".charts").text)
        self.shot("home-7d")

    # ---- 8: live updates ----

    def test_08_live_queue_and_badge(self):
        self.sign_in("rita")
        self.go("/cases")
        self.assertFalse(self.find("#live-badge").is_displayed())
        # Wait for the stream to be open before the event (the page's script opens it on load).
        self.wait(lambda d: d.find_element(By.ID, "main").get_attribute("data-live-state") == "open")
        run = World.api("POST", f"/v1/workflows/{World.state['workflow']}/runs",
                        {"image_url": World.image_base + "/demo-4.jpg", "account_reference_id": "user-77"})
        self.wait_for_run(run["id"])
        self.wait(EC.visibility_of_element_located((By.ID, "live-badge")), timeout=20)
        self.assertGreaterEqual(int(self.find("#live-count").text), 1)
        new_row = self.wait(EC.presence_of_element_located((By.CSS_SELECTOR, "#case-queue tr.new")))
        self.assertIn("PhotoDNA match", new_row.text)
        self.shot("live-new-case")
        # A live row respects the filters: a view of another priority gets the badge, not the row
        # (issue 30: an urgent case appeared in a priority=low view).
        priority = new_row.find_element(By.CSS_SELECTOR, "td.priority").text
        other = "low" if priority != "low" else "urgent"
        self.go(f"/cases?priority={other}")
        self.wait(lambda d: d.find_element(By.ID, "main").get_attribute("data-live-state") == "open")
        run = World.api("POST", f"/v1/workflows/{World.state['workflow']}/runs",
                        {"image_url": World.image_base + "/demo-2.jpg", "account_reference_id": "user-78"})
        self.wait_for_run(run["id"])
        self.wait(EC.visibility_of_element_located((By.ID, "live-badge")), timeout=20)
        self.assertEqual(self.finds("#case-queue tr.new"), [], f"a {priority} case was added to the {other} view")

    def test_08b_queue_search_bulk_and_sla(self):
        # Three cases in their own queue, found by a search; two of them decided at once.
        ids = [World.api("POST", "/v1/cases", {"title": f"bulk check {n}", "queue": "bulk"})["id"] for n in range(3)]
        self.sign_in("rita")
        self.go("/cases")
        self.find("#f-q").send_keys("bulk check")
        Select(self.find("#f-sort")).select_by_value("oldest")
        self.submit(".filters button[type=submit]")
        rows = [row.get_attribute("id") for row in self.finds("#case-queue tbody tr")]
        self.assertEqual(rows, [f"case-row-{i}" for i in ids], "the search finds the three, longest waiting first")
        self.find(f"#pick-{ids[0]}").click()
        self.find(f"#pick-{ids[1]}").click()
        Select(self.find("#b-action")).select_by_value("set_priority")
        Select(self.find("#b-priority")).select_by_value("urgent")
        self.shot("queue-bulk-chosen")
        # Applying asks first; Cancel changes nothing.
        self.find("#bulk-apply").click()
        self.wait(EC.alert_is_present()).dismiss()
        self.assertEqual(World.api("GET", f"/v1/cases/{ids[0]}")["priority"], "normal")
        self.press(lambda: (self.find("#bulk-apply").click(), self.wait(EC.alert_is_present()).accept()))
        self.assertIn("Priority set to urgent: 2 of 2 cases.", self.notice())
        self.assertIn("q=bulk", self.driver.current_url, "back to the queue as it was filtered")
        self.assertEqual([World.api("GET", f"/v1/cases/{i}")["priority"] for i in ids], ["urgent", "urgent", "normal"])
        self.shot("queue-bulk-done")
        # Post/redirect/get: a reload reads the queue again and decides nothing again.
        versions = [World.api("GET", f"/v1/cases/{i}")["version"] for i in ids]
        self.driver.refresh()
        self.check_page()
        self.assertEqual([World.api("GET", f"/v1/cases/{i}")["version"] for i in ids], versions)
        # Take the next case of the queue: the most urgent, longest waiting, now the reviewer's.
        self.go("/cases?queue=bulk")
        self.submit("#take-next")
        self.assertIn(f"/cases/{ids[0]}", self.driver.current_url)
        self.assertIn("is yours", self.notice())
        # An admin sets the queue's SLA target on the same page.
        self.sign_in("ada")
        self.go("/cases?queue=bulk")
        self.find("#sla summary").click()
        row = [r for r in self.finds("#sla tbody tr") if r.find_element(By.TAG_NAME, "td").text == "bulk"][0]
        target = row.find_element(By.NAME, "minutes")
        target.clear()
        target.send_keys("45")
        self.press(lambda: row.find_element(By.TAG_NAME, "button").click())
        self.assertIn("bulk: cases are due within 45 min", self.notice())
        self.assertEqual({q["queue"]: q["sla_minutes"] for q in World.api("GET", "/v1/case-queues")["queues"]}.get("bulk"), 45)
        self.go("/")
        self.assertTrue(self.find("#queue-health").is_displayed())
        self.shot("home-queue-health")

    # ---- the role matrix in the browser, and a tablet ----

    def test_09_viewer_sees_no_buttons_and_the_server_refuses(self):
        self.sign_in("vic")
        self.go(f"/cases/{World.state['case']}")
        for button in ["[id^=reveal-]", "#decide-confirm", "#decide-escalate", "#comment", "#draft-report", "#approve-report"]:
            self.assertEqual(self.finds(button), [], f"{button} shown to a viewer")
        token = self.find("input[name=csrf]").get_attribute("value")
        status = self.driver.execute_async_script("""
            const done = arguments[arguments.length - 1];
            fetch(arguments[0], {method: 'POST', headers: {'Content-Type': 'application/x-www-form-urlencoded'},
                                 body: 'csrf=' + encodeURIComponent(arguments[1]) + '&decision=escalate'})
              .then(r => done(r.status)).catch(e => done(String(e)));""", f"/cases/{World.state['case']}/decisions", token)
        self.assertEqual(status, 403)
        self.go("/users")
        self.assertIn("403", self.find("h1").text)
        nav = self.find("header nav").text
        self.assertNotIn("Audit log", nav)
        self.assertNotIn("Try an image", nav)
        self.shot("viewer-case")

    def test_10_tablet(self):
        self.sign_in("rita")
        self.driver.set_window_size(820, 1180)
        try:
            for path in ["/", "/cases", f"/cases/{World.state['case']}", "/banks/BROWSER_BANK"]:
                self.go(path)
                overflow = self.driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
                self.assertLessEqual(overflow, 1, f"{path} scrolls sideways on a tablet")
            self.shot("tablet-case")
        finally:
            self.driver.set_window_size(1280, 900)

    def test_12_every_page_at_desk_and_phone_width_reads_and_contrasts(self):
        """Every page at 1400 px and 390 px: nothing scrolls sideways, every text meets WCAG AA
        contrast (an axe-style check of computed colours), and a screenshot of each for
        docs/dashboard.md."""
        accounts = World.api("GET", "/v1/accounts?limit=1").get("accounts", [])
        pages = [("home", "/"), ("cases", "/cases"), ("case", f"/cases/{World.state['case']}"), ("accounts", "/accounts"),
                 ("banks", "/banks"), ("bank", "/banks/BROWSER_BANK"), ("try", "/try"), ("integrations", "/integrations"),
                 ("integration-slack", "/integrations/slack"), ("credentials", "/credentials"), ("workflows", "/workflows"),
                 ("workflow", f"/workflows/{World.state['workflow']}"), ("run", f"/workflow-runs/{World.state['run']}"),
                 ("audit", "/audit"), ("users", "/users"), ("keys", "/keys"), ("settings", "/settings"), ("docs", "/docs")]
        if accounts:
            pages.insert(4, ("account", f"/accounts/{accounts[0]['id']}"))
        self.sign_in("ada")
        # The check can fail: a grey text planted on a page is caught.
        self.go("/")
        self.driver.execute_script("const p = document.createElement('p'); p.textContent = 'planted grey'; p.style.color = '#aaaaaa';"
                                   "document.getElementById('main').appendChild(p);")
        self.assertTrue(any("planted grey" in failure for failure in self.driver.execute_script(CONTRAST_CHECK)))
        problems = []
        try:
            for width, height in [(1400, 900), (390, 844)]:
                self.driver.set_window_size(width, height)
                for name, path in pages:
                    self.go(path)
                    overflow = self.driver.execute_script("return document.documentElement.scrollWidth - window.innerWidth")
                    if overflow > 1:
                        # Name the innermost elements that reach past the window, to say what to fix.
                        wide = self.driver.execute_script("""
                            const w = window.innerWidth;
                            return Array.from(document.querySelectorAll('main *'))
                              .filter(e => e.getBoundingClientRect().right > w + 1 && !Array.from(e.children).some(c => c.getBoundingClientRect().right > w + 1))
                              .slice(0, 3).map(e => e.tagName.toLowerCase() + (e.id ? '#' + e.id : '') + (e.className ? '.' + e.className : ''));""")
                        problems.append(f"{path} scrolls sideways by {overflow} px at {width} px ({', '.join(wide)})")
                    for failure in self.driver.execute_script(CONTRAST_CHECK):
                        problems.append(f"{path} at {width} px: {failure}")
                    self.driver.save_screenshot(os.path.join(World.shots, f"page-{name}-{width}.png"))
            self.driver.delete_all_cookies()
            for width, height in [(1400, 900), (390, 844)]:
                self.driver.set_window_size(width, height)
                self.go("/login")
                for failure in self.driver.execute_script(CONTRAST_CHECK):
                    problems.append(f"/login at {width} px: {failure}")
                self.driver.save_screenshot(os.path.join(World.shots, f"page-login-{width}.png"))
        finally:
            self.driver.set_window_size(1280, 900)
        self.assertEqual(problems, [], "\n".join(problems))

    def test_11_csp_on_every_response(self):
        for path in ["/login", "/docs", "/assets/vigil.css"]:
            with urllib.request.urlopen(World.base + path) as answer:
                policy = answer.headers.get("Content-Security-Policy", "")
                self.assertIn("default-src 'none'", policy, path)
                self.assertIn("script-src 'self'", policy, path)
        self.sign_in("vic")
        self.go("/docs")
        self.assertGreater(len(self.finds("article.operation")), 50)
        self.assertIn("/v1/match", self.driver.page_source)


def main():
    parser = argparse.ArgumentParser()
    parser.add_argument("--vigil", required=True)
    parser.add_argument("--screenshots", required=True)
    arguments = parser.parse_args()
    os.makedirs(arguments.screenshots, exist_ok=True)
    World.start(arguments.vigil, os.path.abspath(arguments.screenshots))
    try:
        suite = unittest.defaultTestLoader.loadTestsFromTestCase(Dashboard)
        result = unittest.TextTestRunner(verbosity=2, failfast=False).run(suite)
    except Exception:
        traceback.print_exc()
        result = None
    finally:
        if result is None or not result.wasSuccessful():
            log = os.path.join(World.data, "serve.log")
            if os.path.exists(log):
                print("---- the last lines of vigil serve's log ----", file=sys.stderr)
                with open(log) as f:
                    print("".join(f.readlines()[-40:]), file=sys.stderr)
        World.stop()
    sys.exit(0 if result is not None and result.wasSuccessful() else 1)


if __name__ == "__main__":
    main()
