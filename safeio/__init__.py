"""Untrusted text in and out, with no domain knowledge: byte decoding at the upload boundary
(``safeio.text``) and spreadsheet-safe CSV writing (``safeio.csvsafe``). Every other package may import it;
it imports none of them."""
