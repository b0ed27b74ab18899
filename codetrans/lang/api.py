"""Java API call sequences (DeepAPI style) paired with the Javadoc first sentence.

For each documented method, calls are listed in evaluation order (receiver, then arguments, then the
call) as ``Type.method``; constructors are ``Type.new``. Receiver types come from what the syntax tree
declares: parameters, locals (``var`` from its initializer), fields of the enclosing classes, ``new``
expressions, casts, string literals and static calls on capitalised names; a small table covers
well-known JDK static fields (``System.out``) and return types (``StringBuilder.append``). Calls whose
receiver type cannot be told from the syntax (unqualified calls on the own class, results of unknown
calls) are left out rather than guessed.
"""

from __future__ import annotations

from collections import Counter

from codetrans.lang.docstrings import strip_comment_markers, summarize_doc
from codetrans.lang.extract import _captures, _comment_doc, _name, _text, skip_file_reason
from codetrans.lang.grammars import get_parser

_PRIMITIVES = frozenset({"int", "long", "short", "byte", "char", "boolean", "float", "double", "void"})
_STATIC_FIELDS = {"System.out": "PrintStream", "System.err": "PrintStream", "System.in": "InputStream"}
# (receiver type, method) -> return type, for common fluent/JDK methods whose results are chained.
_RETURNS = {
    **{("StringBuilder", m): "StringBuilder" for m in ("append", "insert", "reverse", "delete", "deleteCharAt",
                                                       "replace")},
    **{("StringBuffer", m): "StringBuffer" for m in ("append", "insert", "reverse", "delete", "replace")},
    **{("String", m): "String" for m in ("trim", "strip", "substring", "toLowerCase", "toUpperCase", "replace",
                                         "replaceAll", "concat", "intern", "repeat", "format", "valueOf", "join")},
    **{(None, m): "String" for m in ("toString", "name", "getName", "getSimpleName", "getMessage")},
    **{(None, m): "Iterator" for m in ("iterator",)},
    **{(None, m): "Stream" for m in ("stream", "filter", "map", "sorted", "distinct", "limit", "skip", "peek")},
    (None, "getClass"): "Class",
    (None, "keySet"): "Set",
    (None, "entrySet"): "Set",
    (None, "values"): "Collection",
}
JAVA_LANG = frozenset({
    "String", "StringBuilder", "StringBuffer", "Math", "StrictMath", "Integer", "Long", "Short", "Byte", "Double",
    "Float", "Boolean", "Character", "Number", "Object", "System", "Thread", "Runtime", "Process", "ProcessBuilder",
    "Class", "ClassLoader", "Enum", "Iterable", "Comparable", "Runnable", "CharSequence", "Throwable", "Exception",
    "Error", "RuntimeException", "IllegalArgumentException", "IllegalStateException", "NullPointerException",
    "UnsupportedOperationException", "IndexOutOfBoundsException", "ArithmeticException", "ClassCastException",
    "InterruptedException", "CloneNotSupportedException", "NumberFormatException", "ThreadLocal", "Void",
    "PrintStream", "InputStream", "Record", "AutoCloseable", "StackTraceElement",
})
_DECLARE_FIRST = frozenset({"formal_parameter", "spread_parameter", "catch_formal_parameter",
                            "enhanced_for_statement"})
_DECLARE_AFTER = frozenset({"resource", "local_variable_declaration", "field_declaration"})


def _type_name(src: bytes, node) -> str | None:
    """'Map' for Map<K, V>, 'List' for java.util.List, None for primitives and arrays."""
    if node is None:
        return None
    t = node.type
    if t == "generic_type":
        return _type_name(src, node.named_children[0]) if node.named_child_count else None
    if t == "scoped_type_identifier":
        return _text(src, node.named_children[-1])
    if t == "type_identifier":
        return _text(src, node)
    if t == "catch_type":
        return _type_name(src, node.named_children[0]) if node.named_child_count else None
    return None  # array, primitive (integral_type ...), var handled by the caller


class _Walker:
    def __init__(self, src: bytes, fields: dict[str, str]):
        self.src = src
        self.scope = dict(fields)
        self.calls: list[str] = []

    def declare(self, node) -> None:
        """Record the variables a declaration node introduces, with their static types."""
        src = self.src
        tnode = node.child_by_field_name("type")
        if node.type == "catch_formal_parameter":
            tnode = next((c for c in node.named_children if c.type == "catch_type"), None)
        tname = _type_name(src, tnode)
        is_var = tnode is not None and _text(src, tnode) == "var"
        if node.type in ("local_variable_declaration", "field_declaration"):
            for decl in node.named_children:
                if decl.type != "variable_declarator":
                    continue
                name = decl.child_by_field_name("name")
                value = decl.child_by_field_name("value")
                vt = self.resolve(value) if is_var and value is not None else tname
                if name is not None and vt:
                    self.scope[_text(src, name)] = vt
            return
        name = node.child_by_field_name("name")
        if node.type == "resource" and is_var:
            tname = self.resolve(node.child_by_field_name("value"))
        if name is not None and tname:
            self.scope[_text(src, name)] = tname

    def resolve(self, node) -> str | None:
        """The static type of an expression, when the syntax tells it."""
        if node is None:
            return None
        src, t = self.src, node.type
        if t == "identifier":
            name = _text(src, node)
            if name in self.scope:
                return self.scope[name]
            return name if name[:1].isupper() else None  # static call on a class
        if t == "field_access":
            text = _text(src, node)
            if text in _STATIC_FIELDS:
                return _STATIC_FIELDS[text]
            obj, field = node.child_by_field_name("object"), node.child_by_field_name("field")
            if obj is not None and obj.type == "this" and field is not None:
                return self.scope.get(_text(src, field))
            last = _text(src, field) if field is not None else ""
            return last if last[:1].isupper() else None  # java.util.Collections -> Collections
        if t == "object_creation_expression":
            return _type_name(src, node.child_by_field_name("type"))
        if t in ("string_literal", "text_block"):
            return "String"
        if t == "cast_expression":
            return _type_name(src, node.child_by_field_name("type"))
        if t == "parenthesized_expression" and node.named_child_count:
            return self.resolve(node.named_children[0])
        if t == "method_invocation":
            rtype = self.resolve(node.child_by_field_name("object"))
            name = _text(src, node.child_by_field_name("name"))
            return _RETURNS.get((rtype, name)) or _RETURNS.get((None, name))
        return None

    def visit(self, node) -> None:
        t = node.type
        if t == "method_invocation":
            obj = node.child_by_field_name("object")
            if obj is not None:
                self.visit(obj)
            args = node.child_by_field_name("arguments")
            if args is not None:
                self.visit(args)
            rtype = self.resolve(obj) if obj is not None else None
            if rtype:
                self.calls.append(f"{rtype}.{_text(self.src, node.child_by_field_name('name'))}")
            return
        if t == "object_creation_expression":
            args = node.child_by_field_name("arguments")
            if args is not None:
                self.visit(args)
            tname = _type_name(self.src, node.child_by_field_name("type"))
            if tname:
                self.calls.append(f"{tname}.new")
            return  # an anonymous class body runs later, not as part of this expression
        if t in _DECLARE_FIRST:  # the variable is in scope in the body that follows
            self.declare(node)
        for child in node.named_children:
            self.visit(child)
        if t in _DECLARE_AFTER:
            self.declare(node)


def _imports(src: bytes, root) -> tuple[dict[str, str], str]:
    names, package = {}, ""
    for child in root.named_children:
        if child.type == "import_declaration":
            text = _text(src, child).removeprefix("import").removeprefix(" static").strip(" ;")
            short = text.rsplit(".", 1)[-1]
            if short == "*":
                # `import java.util.*;` may bring any capitalised type in
                names["*"] = "java.*" if text.startswith(("java.", "javax.")) else names.get("*", text)
            else:
                names[short] = text
        elif child.type == "package_declaration":
            package = _text(src, child).removeprefix("package").strip(" ;")
    return names, package


def _is_jdk(tname: str, imports: dict[str, str], package: str) -> bool:
    if package.startswith(("java.", "javax.")):
        return True
    full = imports.get(tname)
    if full is not None:
        return full.startswith(("java.", "javax."))
    return tname in JAVA_LANG or imports.get("*") == "java.*"


def _fields(src: bytes, method) -> dict[str, str]:
    out: dict[str, str] = {}
    parent = method.parent
    while parent is not None:
        if parent.type in ("class_body", "enum_body", "interface_body"):
            for member in parent.named_children:
                if member.type == "field_declaration":
                    tname = _type_name(src, member.child_by_field_name("type"))
                    for decl in member.named_children:
                        name = decl.child_by_field_name("name") if decl.type == "variable_declarator" else None
                        if name is not None and tname:
                            out.setdefault(_text(src, name), tname)
        parent = parent.parent
    return out


def api_sequence(code: str | bytes) -> list[str]:
    """The API calls of a Java method or snippet in evaluation order (no documentation needed)."""
    src = code.encode("utf-8", "surrogatepass") if isinstance(code, str) else code
    root = get_parser("java").parse(src).root_node
    walker = _Walker(src, {})
    walker.visit(root)
    return walker.calls


def extract_api_sequences(code: str | bytes, path: str = "", repo: str = "", stats: Counter | None = None,
                          jdk_only: bool = False, apply_filters: bool = True) -> list[dict]:
    """(Javadoc first sentence, API sequence) records for the documented methods of a Java file.

    ``jdk_only`` keeps calls on JDK types only (imported from java./javax., java.lang, or any type when the
    file itself is in a java./javax. package), as DeepAPI did.
    """
    stats = stats if stats is not None else Counter()
    src = code.encode("utf-8", "surrogatepass") if isinstance(code, str) else code
    if apply_filters and skip_file_reason(path, src[:2000].decode("utf-8", "replace")):
        stats["api_file_skipped"] += 1
        return []
    root = get_parser("java").parse(src).root_node
    imports, package = _imports(src, root)
    records = []
    for node in _captures("java", root):
        raw = _comment_doc(src, node, "java")
        if raw is None:
            continue
        query = summarize_doc(strip_comment_markers(raw))
        body = node.child_by_field_name("body")
        if not query or body is None:
            continue
        walker = _Walker(src, _fields(src, node))
        params = node.child_by_field_name("parameters")
        if params is not None:
            walker.visit(params)
        walker.visit(body)
        calls = walker.calls
        if jdk_only:
            calls = [c for c in calls if _is_jdk(c.split(".", 1)[0], imports, package)]
        if not calls:
            stats["api_no_calls"] += 1
            continue
        stats["api_extracted"] += 1
        records.append({"repo": repo, "path": path, "func_name": _name(src, node, "java"),
                        "query": query, "api_seq": calls, "code": _text(src, node)})
    return records
