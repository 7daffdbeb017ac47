"""The swaps pages (换班、换休、代班): ask a colleague, answer, approve, withdraw; the printable
《换班、换休申请表》; each person's swaps of the month against the limit; the lead's suspected private swaps."""
