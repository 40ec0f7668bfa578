// Puppeteer must not download a browser of its own (the machine reaches no browser download
// site): mermaid-cli drives Debian's chromium, named in puppeteer-config.json.
module.exports = { skipDownload: true };
