// Opens the /admin dashboard in headless Chromium (the Debian package) as a signed-in admin,
// takes a full-page screenshot and reports what the browser rendered.
// Usage: node dashboard-screenshot.mjs <app url> <session cookie value> <png path>
import puppeteer from 'puppeteer-core';

const [appUrl, session, output] = process.argv.slice(2);
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const blocked = [];
  page.on('requestfailed', (request) => blocked.push(request.url()));
  const { hostname, port } = new URL(appUrl);
  await browser.setCookie({ name: 'parvis_session', value: session, domain: hostname, path: '/' });
  const response = await page.goto(`${appUrl}/admin`, { waitUntil: 'load' });
  const rendered = await page.evaluate(() => ({
    title: document.title,
    polylines: [...document.querySelectorAll('svg polyline')].map((line) => line.getAttribute('points').split(' ').length),
    bars: document.querySelectorAll('svg rect').length,
    tables: document.querySelectorAll('table tbody tr').length,
    heading: document.querySelector('h1')?.textContent,
    chartWidth: document.querySelector('svg')?.getBoundingClientRect().width ?? 0,
    // Every label of every chart, as laid out, must lie inside its svg's box (else it is clipped).
    clipped: [...document.querySelectorAll('svg')].flatMap((svg) => {
      const box = svg.getBoundingClientRect();
      return [...svg.querySelectorAll('text')]
        .filter((text) => {
          const label = text.getBoundingClientRect();
          return label.left < box.left - 0.5 || label.right > box.right + 0.5
            || label.top < box.top - 0.5 || label.bottom > box.bottom + 0.5;
        })
        .map((text) => `${svg.getAttribute('aria-label')}: ${text.textContent}`);
    }),
    labels: document.querySelectorAll('svg text').length,
  }));
  await page.screenshot({ path: output, fullPage: true });
  console.log(JSON.stringify({ status: response.status(), port, blocked, ...rendered }));
} finally {
  await browser.close();
}
