// Opens /graphiql signed out in headless Chromium (the Debian package) and reports what the page
// shows once GraphiQL has tried to load the schema: its text, the response pane's lines and the
// tab's icon.
// Usage: node graphiql-signed-out.mjs <app url>
import puppeteer from 'puppeteer-core';

const [appUrl] = process.argv.slice(2);
const browser = await puppeteer.launch({
  executablePath: process.env.CHROMIUM ?? '/usr/bin/chromium',
  headless: true,
  args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
});
try {
  const page = await browser.newPage();
  await page.setViewport({ width: 1280, height: 900 });
  const introspected = page.waitForResponse(
    (response) => response.url().endsWith('/graphql') && response.request().method() === 'POST',
  );
  await page.goto(`${appUrl}/graphiql`, { waitUntil: 'load' });
  const introspection = await introspected;
  // GraphiQL shows the schema error in its response pane, a Monaco editor: it renders the visible
  // lines as `.view-line`s, with spaces as no-break spaces and long lines wrapped.
  const shownInPage = () => ({
    text: document.body.innerText.replaceAll('\u00a0', ' '),
    response: [...document.querySelectorAll('.graphiql-response .view-line')]
      .sort((a, b) => parseFloat(a.style.top) - parseFloat(b.style.top))
      .map((line) => line.textContent.replaceAll('\u00a0', ' '))
      .join('\n'),
    icon: document.querySelector('link[rel="icon"]')?.getAttribute('href'),
  });
  await page
    .waitForFunction(`(${shownInPage})().response.trim() !== ''`, { timeout: 10000 })
    .catch(() => {});
  const shown = await page.evaluate(shownInPage);
  console.log(JSON.stringify({ status: introspection.status(), ...shown }));
} finally {
  await browser.close();
}
