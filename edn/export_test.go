package edn

// SymbolText is the reader's rule for symbols, for the writers' fuzz test.
var SymbolText = symbolText
