"""The HTML wing: screen a page before parsing (`screen`), parse and render it, with the text
engine's fallbacks (`render`), its metadata by trafilatura's rules (`metadata`), and the body
through trafilatura in worker processes with a time limit (`extract`), with a second opinion
where its recall mode kept a fragment of the page (`select`)."""
