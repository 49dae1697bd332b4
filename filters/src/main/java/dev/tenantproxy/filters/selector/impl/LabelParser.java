package dev.tenantproxy.filters.selector.impl;

import dev.tenantproxy.filters.selector.Requirement;
import dev.tenantproxy.filters.selector.Requirement.Operator;
import dev.tenantproxy.filters.status.KubeStatusException;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;

/**
 * A line-by-line port of the lexer and parser of {@code k8s.io/apimachinery/pkg/labels/selector.go}
 * so that acceptance and error messages match the API server.
 */
public final class LabelParser {
  private enum Tok {
    IDENTIFIER,
    END,
    CLOSED_PAR,
    COMMA,
    DOES_NOT_EXIST,
    DOUBLE_EQUALS,
    EQUALS,
    GREATER_THAN,
    IN,
    LESS_THAN,
    NOT_EQUALS,
    NOT_IN,
    OPEN_PAR
  }

  private record Item(Tok tok, String literal) {}

  private static final Map<String, Tok> STRING_TO_TOKEN =
      Map.ofEntries(
          Map.entry(")", Tok.CLOSED_PAR),
          Map.entry(",", Tok.COMMA),
          Map.entry("!", Tok.DOES_NOT_EXIST),
          Map.entry("==", Tok.DOUBLE_EQUALS),
          Map.entry("=", Tok.EQUALS),
          Map.entry(">", Tok.GREATER_THAN),
          Map.entry("in", Tok.IN),
          Map.entry("<", Tok.LESS_THAN),
          Map.entry("!=", Tok.NOT_EQUALS),
          Map.entry("notin", Tok.NOT_IN),
          Map.entry("(", Tok.OPEN_PAR));

  private static final String BINARY_OPERATORS = "in, notin, =, ==, !=, gt, lt";

  private final String s;
  private int pos;
  private final List<Item> items = new ArrayList<>();
  private int position;

  private LabelParser(String s) {
    this.s = s;
  }

  /** Parses a non-empty selector into requirements sorted by key; 400 on invalid input. */
  public static List<Requirement> parse(String selector) {
    LabelParser p = new LabelParser(selector);
    p.scan();
    List<Requirement> requirements = p.parseSelector();
    requirements.sort(Comparator.comparing(Requirement::key));
    return requirements;
  }

  // ---- lexer ----

  private char read() {
    if (pos < s.length()) {
      return s.charAt(pos++);
    }
    pos++;
    return 0;
  }

  private void unread() {
    pos--;
  }

  private static boolean isWhitespace(char ch) {
    return ch == ' ' || ch == '\t' || ch == '\r' || ch == '\n';
  }

  private static boolean isSpecialSymbol(char ch) {
    return switch (ch) {
      case '=', '!', '(', ')', ',', '>', '<' -> true;
      default -> false;
    };
  }

  private Item lex() {
    char ch = read();
    while (isWhitespace(ch)) {
      ch = read();
    }
    if (ch == 0) {
      return new Item(Tok.END, "");
    }
    unread();
    return isSpecialSymbol(ch) ? scanSpecialSymbol() : scanIdOrKeyword();
  }

  private Item scanIdOrKeyword() {
    StringBuilder buffer = new StringBuilder();
    while (true) {
      char ch = read();
      if (ch == 0) {
        break;
      }
      if (isSpecialSymbol(ch) || isWhitespace(ch)) {
        unread();
        break;
      }
      buffer.append(ch);
    }
    String lit = buffer.toString();
    Tok tok = STRING_TO_TOKEN.get(lit);
    return new Item(tok == null ? Tok.IDENTIFIER : tok, lit);
  }

  private Item scanSpecialSymbol() {
    StringBuilder buffer = new StringBuilder();
    Item last = null;
    while (true) {
      char ch = read();
      if (ch == 0) {
        break;
      }
      if (!isSpecialSymbol(ch)) {
        unread();
        break;
      }
      buffer.append(ch);
      Tok tok = STRING_TO_TOKEN.get(buffer.toString());
      if (tok != null) {
        last = new Item(tok, buffer.toString());
      } else if (last != null) {
        unread();
        break;
      }
    }
    if (last == null) {
      // unreachable with the current token set: every special symbol alone is a token
      throw KubeStatusException.badRequest(
          "unable to parse requirement: error expected: keyword found '" + buffer + "'");
    }
    return last;
  }

  private void scan() {
    while (true) {
      Item item = lex();
      items.add(item);
      if (item.tok() == Tok.END) {
        return;
      }
    }
  }

  // ---- parser ----

  /** In the Values context {@code in} and {@code notin} are identifiers. */
  private Item lookahead() {
    Item it = items.get(position);
    return it.tok() == Tok.IN || it.tok() == Tok.NOT_IN
        ? new Item(Tok.IDENTIFIER, it.literal())
        : it;
  }

  private Item consumeValues() {
    Item it = lookahead();
    position++;
    return it;
  }

  private Item consumeKeyAndOperator() {
    return items.get(position++);
  }

  private static KubeStatusException error(String message) {
    return KubeStatusException.badRequest(message);
  }

  private List<Requirement> parseSelector() {
    List<Requirement> requirements = new ArrayList<>();
    while (true) {
      Item next = lookahead();
      switch (next.tok()) {
        case IDENTIFIER, DOES_NOT_EXIST -> {
          Requirement r;
          try {
            r = parseRequirement();
          } catch (SyntaxError e) {
            throw error("unable to parse requirement: " + e.getMessage());
          }
          requirements.add(r);
          Item t = consumeValues();
          switch (t.tok()) {
            case END -> {
              return requirements;
            }
            case COMMA -> {
              Item t2 = lookahead();
              if (t2.tok() != Tok.IDENTIFIER && t2.tok() != Tok.DOES_NOT_EXIST) {
                throw error("found '" + t2.literal() + "', expected: identifier after ','");
              }
            }
            default -> throw error("found '" + t.literal() + "', expected: ',' or 'end of string'");
          }
        }
        case END -> {
          return requirements;
        }
        default ->
            throw error(
                "found '" + next.literal() + "', expected: !, identifier, or 'end of string'");
      }
    }
  }

  /** A parse error inside a requirement; the caller prefixes it. */
  private static final class SyntaxError extends Exception {
    private static final long serialVersionUID = 1L;

    SyntaxError(String message) {
      super(message, null, false, false);
    }
  }

  private Requirement parseRequirement() throws SyntaxError {
    Item keyItem = consumeValues();
    Operator operator = null;
    if (keyItem.tok() == Tok.DOES_NOT_EXIST) {
      operator = Operator.DOES_NOT_EXIST;
      keyItem = consumeValues();
    }
    if (keyItem.tok() != Tok.IDENTIFIER) {
      throw new SyntaxError("found '" + keyItem.literal() + "', expected: identifier");
    }
    String key = keyItem.literal();
    List<String> keyErrors = Validation.qualifiedNameErrors(key);
    if (!keyErrors.isEmpty()) {
      throw new SyntaxError(Validation.invalid("<nil>", key, keyErrors));
    }
    Tok after = lookahead().tok();
    if ((after == Tok.END || after == Tok.COMMA) && operator != Operator.DOES_NOT_EXIST) {
      operator = Operator.EXISTS;
    }
    if (operator == Operator.EXISTS || operator == Operator.DOES_NOT_EXIST) {
      return newRequirement(key, operator, List.of());
    }
    operator = parseOperator();
    TreeSet<String> values =
        switch (operator) {
          case IN, NOT_IN -> parseValues();
          default -> parseExactValue();
        };
    return newRequirement(key, operator, new ArrayList<>(values));
  }

  private Operator parseOperator() throws SyntaxError {
    Item it = consumeKeyAndOperator();
    return switch (it.tok()) {
      case IN -> Operator.IN;
      case EQUALS -> Operator.EQUALS;
      case DOUBLE_EQUALS -> Operator.DOUBLE_EQUALS;
      case GREATER_THAN -> Operator.GREATER_THAN;
      case LESS_THAN -> Operator.LESS_THAN;
      case NOT_IN -> Operator.NOT_IN;
      case NOT_EQUALS -> Operator.NOT_EQUALS;
      default ->
          throw new SyntaxError("found '" + it.literal() + "', expected: " + BINARY_OPERATORS);
    };
  }

  private TreeSet<String> parseValues() throws SyntaxError {
    Item it = consumeValues();
    if (it.tok() != Tok.OPEN_PAR) {
      throw new SyntaxError("found '" + it.literal() + "' expected: '('");
    }
    Item next = lookahead();
    switch (next.tok()) {
      case IDENTIFIER, COMMA -> {
        TreeSet<String> s = parseIdentifiersList();
        if (consumeValues().tok() != Tok.CLOSED_PAR) {
          throw new SyntaxError("found '" + next.literal() + "', expected: ')'");
        }
        return s;
      }
      case CLOSED_PAR -> {
        consumeValues();
        TreeSet<String> s = new TreeSet<>();
        s.add("");
        return s;
      }
      default ->
          throw new SyntaxError("found '" + next.literal() + "', expected: ',', ')' or identifier");
    }
  }

  private TreeSet<String> parseIdentifiersList() throws SyntaxError {
    TreeSet<String> s = new TreeSet<>();
    while (true) {
      Item it = consumeValues();
      switch (it.tok()) {
        case IDENTIFIER -> {
          s.add(it.literal());
          Item next = lookahead();
          switch (next.tok()) {
            case COMMA -> {}
            case CLOSED_PAR -> {
              return s;
            }
            default ->
                throw new SyntaxError("found '" + next.literal() + "', expected: ',' or ')'");
          }
        }
        case COMMA -> {
          if (s.isEmpty()) {
            s.add("");
          }
          Tok next = lookahead().tok();
          if (next == Tok.CLOSED_PAR) {
            s.add("");
            return s;
          }
          if (next == Tok.COMMA) {
            consumeValues();
            s.add("");
          }
        }
        default ->
            throw new SyntaxError("found '" + it.literal() + "', expected: ',', or identifier");
      }
    }
  }

  private TreeSet<String> parseExactValue() throws SyntaxError {
    TreeSet<String> s = new TreeSet<>();
    Tok next = lookahead().tok();
    if (next == Tok.END || next == Tok.COMMA) {
      s.add("");
      return s;
    }
    Item it = consumeValues();
    if (it.tok() == Tok.IDENTIFIER) {
      s.add(it.literal());
      return s;
    }
    throw new SyntaxError("found '" + it.literal() + "', expected: identifier");
  }

  /** {@code labels.NewRequirement}: validation with aggregated field errors. */
  private static Requirement newRequirement(String key, Operator op, List<String> values)
      throws SyntaxError {
    List<String> errs = new ArrayList<>();
    List<String> keyErrors = Validation.qualifiedNameErrors(key);
    if (!keyErrors.isEmpty()) {
      errs.add(Validation.invalid("key", key, keyErrors));
    }
    switch (op) {
      case IN, NOT_IN -> {
        if (values.isEmpty()) {
          errs.add(
              "values: Invalid value: []: for 'in', 'notin' operators, values set can't be empty");
        }
      }
      case EQUALS, DOUBLE_EQUALS, NOT_EQUALS -> {
        if (values.size() != 1) {
          errs.add(
              "values: Invalid value: "
                  + values
                  + ": exact-match compatibility requires one single value");
        }
      }
      case GREATER_THAN, LESS_THAN -> {
        for (int i = 0; i < values.size(); i++) {
          if (!Validation.isInt64(values.get(i))) {
            errs.add(
                Validation.invalid(
                    "values[" + i + "]",
                    values.get(i),
                    List.of("for 'Gt', 'Lt' operators, the value must be an integer")));
          }
        }
      }
      default -> {}
    }
    for (int i = 0; i < values.size(); i++) {
      List<String> valueErrors = Validation.labelValueErrors(values.get(i));
      if (!valueErrors.isEmpty()) {
        errs.add(Validation.invalid("values[" + i + "][" + key + "]", values.get(i), valueErrors));
      }
    }
    if (errs.size() == 1) {
      throw new SyntaxError(errs.get(0));
    }
    if (errs.size() > 1) {
      throw new SyntaxError("[" + String.join(", ", errs.stream().distinct().toList()) + "]");
    }
    return new Requirement(key, op, values);
  }
}
