/**
 * User agents of the software that opens links in email before (or instead of) a person: mail
 * security scanners, chat and social link previewers, crawlers, command-line clients, and an
 * ordinary browser for comparison. Strings as these products send them (or close to it).
 */

/** One agent: a short name for figures and messages, and its User-Agent header. */
export interface ScannerAgent {
  name: string;
  userAgent: string;
}

export const SCANNER_AGENTS: readonly ScannerAgent[] = [
  {
    name: "Microsoft Defender Safe Links",
    userAgent:
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/120.0.0.0 Safari/537.36 Edg/120.0.0.0 SafeLinks",
  },
  {
    name: "Outlook",
    userAgent: "Microsoft Office/16.0 (Windows NT 10.0; Microsoft Outlook 16.0.17029; Pro)",
  },
  { name: "ms-office", userAgent: "Mozilla/4.0 (compatible; ms-office; MSOffice 16)" },
  {
    name: "BingPreview",
    userAgent:
      "Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) BingPreview/1.0b",
  },
  { name: "Proofpoint", userAgent: "Mozilla/5.0 (compatible; Proofpoint URL Defense)" },
  { name: "Mimecast", userAgent: "Mimecast-URL-Protect/1.0 (+https://www.mimecast.com)" },
  { name: "Barracuda", userAgent: "Barracuda Sentinel (EE)" },
  {
    name: "Slackbot",
    userAgent: "Slackbot-LinkExpanding 1.0 (+https://api.slack.com/robots)",
  },
  {
    name: "facebookexternalhit",
    userAgent: "facebookexternalhit/1.1 (+http://www.facebook.com/externalhit_uatext.php)",
  },
  { name: "Twitterbot", userAgent: "Twitterbot/1.0" },
  {
    name: "Googlebot",
    userAgent: "Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)",
  },
  { name: "WhatsApp", userAgent: "WhatsApp/2.23.20.0 A" },
  {
    name: "Discordbot",
    userAgent: "Mozilla/5.0 (compatible; Discordbot/2.0; +https://discordapp.com)",
  },
  { name: "TelegramBot", userAgent: "TelegramBot (like TwitterBot)" },
  { name: "curl", userAgent: "curl/8.5.0" },
  { name: "python-requests", userAgent: "python-requests/2.31.0" },
  {
    name: "Chrome",
    userAgent:
      "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/126.0.0.0 Safari/537.36",
  },
];
