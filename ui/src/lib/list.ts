// How much of the account list is drawn. The first paint draws a tall window's worth of rows, with
// their codes fetched together with the accounts (main.ts asks for them before mounting); the
// rest follows a page at a time, so a vault of 1,000 accounts opens as fast as one of 16.

/** Rows drawn for the first paint. */
export const FIRST_ROWS = 16;
/** Rows added at a time after the first paint, as the list scrolls. */
export const PAGE = 40;
