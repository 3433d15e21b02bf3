package org.edgetorch.study;

import java.util.ArrayList;
import java.util.List;

/** A GitHub-flavoured Markdown table; numeric columns right-aligned. */
final class MarkdownTable {
    private final List<String> header;
    private final boolean[] right;
    private final List<List<String>> rows = new ArrayList<>();

    /** Columns whose name starts with '>' are right-aligned (the '>' is not shown). */
    MarkdownTable(String... columns) {
        header = new ArrayList<>();
        right = new boolean[columns.length];
        for (int i = 0; i < columns.length; i++) {
            right[i] = columns[i].startsWith(">");
            header.add(right[i] ? columns[i].substring(1) : columns[i]);
        }
    }

    MarkdownTable row(Object... cells) {
        if (cells.length != header.size()) throw new IllegalArgumentException("expected " + header.size() + " cells");
        List<String> r = new ArrayList<>();
        for (Object c : cells) r.add(c == null ? "—" : escape(c.toString()));
        rows.add(r);
        return this;
    }

    boolean isEmpty() {
        return rows.isEmpty();
    }

    String render() {
        StringBuilder b = new StringBuilder();
        b.append("| ").append(String.join(" | ", header)).append(" |\n|");
        for (boolean r : right) b.append(r ? " ---: |" : " --- |");
        b.append('\n');
        for (List<String> r : rows) b.append("| ").append(String.join(" | ", r)).append(" |\n");
        return b.toString();
    }

    private static String escape(String s) {
        return s.replace("|", "\\|").replace("\n", " ");
    }
}
