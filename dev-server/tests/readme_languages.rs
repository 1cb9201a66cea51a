//! README.md and README.zh-CN.md show the same shell commands: whoever adds,
//! changes or removes a command in one language must do it in the other.

use std::collections::BTreeSet;
use std::path::Path;

fn read(name: &str) -> String {
    std::fs::read_to_string(Path::new(env!("CARGO_MANIFEST_DIR")).join("..").join(name))
        .unwrap_or_else(|e| panic!("{name}: {e}"))
}

/// `line` without its trailing `# comment`: a `#` that starts a word outside
/// quotes, as the shell reads it (so `'a # b'` and `"\" # "` keep theirs).
fn without_comment(line: &str) -> &str {
    let mut quote = None;
    let mut escaped = false;
    let mut previous = ' ';
    for (at, c) in line.char_indices() {
        match (quote, c) {
            _ if escaped => escaped = false,
            (Some('\''), '\'') => quote = None,
            (Some('\''), _) => {}
            (_, '\\') => escaped = true,
            (Some('"'), '"') => quote = None,
            (None, '\'' | '"') => quote = Some(c),
            (None, '#') if previous.is_whitespace() => return &line[..at],
            _ => {}
        }
        previous = c;
    }
    line
}

/// The commands of every `sh` block of `markdown`, one each: comments and
/// surrounding whitespace stripped, a command continued with `\` joined into
/// one line, blank and comment-only lines left out.
fn shell_commands(markdown: &str) -> BTreeSet<String> {
    let mut commands = BTreeSet::new();
    for block in markdown.split("```sh\n").skip(1) {
        let block = block.split("```").next().unwrap_or_default();
        let mut command = String::new();
        for line in block.lines() {
            let line = without_comment(line).trim();
            if let Some(head) = line.strip_suffix('\\') {
                command.push_str(head.trim_end());
                command.push(' ');
                continue;
            }
            command.push_str(line);
            if !command.trim().is_empty() {
                commands.insert(command.trim().to_owned());
            }
            command.clear();
        }
    }
    commands
}

#[test]
fn every_shell_command_is_in_both_languages() {
    let english = shell_commands(&read("README.md"));
    let chinese = shell_commands(&read("README.zh-CN.md"));
    assert!(
        english.contains("cargo run -p wxauth-dev") && chinese.contains("cargo run -p wxauth-dev"),
        "the `sh` blocks were read: {english:#?} {chinese:#?}"
    );
    let missing = |from: &BTreeSet<String>, to: &BTreeSet<String>| -> String {
        from.difference(to).map(|c| format!("    {c}\n")).collect()
    };
    let not_in_chinese = missing(&english, &chinese);
    let not_in_english = missing(&chinese, &english);
    assert!(
        not_in_chinese.is_empty() && not_in_english.is_empty(),
        "README.md and README.zh-CN.md must show the same shell commands \
         (comments aside)\n  in README.md, missing from README.zh-CN.md:\n{not_in_chinese}  \
         in README.zh-CN.md, missing from README.md:\n{not_in_english}"
    );
}

#[test]
fn commands_are_compared_without_comments_and_with_continuations_joined() {
    let markdown = concat!(
        "Some text.\n\n```sh\n",
        "cargo run -p wxauth-dev          # 本地启动\n",
        "# a line of comment\n",
        "\n",
        "sam local invoke LoginFunction \\\n",
        "  --parameter-overrides A='x # y' B=\"\\\" # z\"   # why\n",
        "```\n\n```js\n",
        "// not a shell command\n",
        "```\n",
    );
    assert_eq!(
        shell_commands(markdown),
        BTreeSet::from([
            "cargo run -p wxauth-dev".to_owned(),
            "sam local invoke LoginFunction --parameter-overrides A='x # y' B=\"\\\" # z\""
                .to_owned(),
        ])
    );
}
