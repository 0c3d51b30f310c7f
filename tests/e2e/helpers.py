"""What the browser tests share: logging in like a user, axe-core, layout checks."""

from playwright.sync_api import Page, expect

from tests.conftest import TEST_PASSWORD

WCAG_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa"]


def login(page: Page, user, *, password: str = TEST_PASSWORD) -> None:
    """Log in through the real form; ends on the customer list."""
    page.goto("/login/")
    page.get_by_label("Username").fill(user.get_username())
    page.get_by_label("Password").fill(password)
    page.get_by_role("button", name="Log in").click()
    expect(page.get_by_role("heading", level=1, name="Customers", exact=True)).to_be_visible()


def axe_violations(page: Page) -> tuple[int, str]:
    """Run axe-core (WCAG 2.0/2.1 A and AA rules) on the page as it is now."""
    from axe_playwright_python.sync_playwright import Axe

    results = Axe().run(page, options={"runOnly": {"type": "tag", "values": WCAG_TAGS},
                                       "resultTypes": ["violations"]})
    return results.violations_count, results.generate_report()


def assert_accessible(page: Page, what: str) -> None:
    count, report = axe_violations(page)
    assert count == 0, f"axe-core on {what} ({page.url}):\n{report}"


def horizontal_overflow(page: Page) -> dict:
    """How far the page is wider than the viewport, and the widest offenders if it is."""
    return page.evaluate("""() => {
        const width = window.innerWidth;
        const scroll = document.documentElement.scrollWidth;
        const offenders = [];
        if (scroll > width) {
            for (const el of document.body.querySelectorAll('*')) {
                const r = el.getBoundingClientRect();
                if (r.right > width + 1 && el.offsetParent !== null) {
                    offenders.push(el.tagName.toLowerCase() + (el.id ? '#' + el.id : '')
                        + (el.className && typeof el.className === 'string' ? '.' + el.className.split(' ').join('.') : '')
                        + ' right=' + Math.round(r.right));
                }
            }
        }
        return {innerWidth: width, scrollWidth: scroll, offenders: offenders.slice(0, 10)};
    }""")


def focused(page: Page) -> dict:
    """Describe document.activeElement: tag, text, id, href and whether it is inside the nav."""
    return page.evaluate("""() => {
        const el = document.activeElement;
        const r = el.getBoundingClientRect();
        return {tag: el.tagName.toLowerCase(), text: el.innerText.trim(), id: el.id,
                href: el.getAttribute('href'), inNav: !!el.closest('nav[aria-label]'),
                navLabel: el.closest('nav') ? el.closest('nav').getAttribute('aria-label') : null,
                onScreen: r.width > 0 && r.height > 0 && r.left >= 0 && r.top >= 0
                          && r.right <= window.innerWidth && r.bottom <= window.innerHeight};
    }""")
