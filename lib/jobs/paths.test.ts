import { describe, expect, it } from "vitest";
import { jobKindOf, pathProblem } from "./paths";

describe("job paths", () => {
  it("accepts notebooks and scripts inside the home", () => {
    for (const ok of ["train.ipynb", "jobs/nightly.py", "a b/c.d/x.ipynb"]) expect(pathProblem(ok)).toBeUndefined();
    expect(jobKindOf("jobs/nightly.py")).toBe("script");
    expect(jobKindOf("train.ipynb")).toBe("notebook");
  });

  it("refuses paths that leave the home, are absolute, hold a NUL or name another kind of file", () => {
    expect(pathProblem("../alice/x.py")).toMatch(/leaves your home/);
    expect(pathProblem("jobs/../../x.py")).toMatch(/leaves your home/);
    expect(pathProblem("/etc/x.py")).toMatch(/absolute/);
    expect(pathProblem("~/x.py")).toMatch(/absolute/);
    expect(pathProblem("x\0.py")).toMatch(/NUL/);
    expect(pathProblem("a\\..\\x.py")).toMatch(/backslash/);
    expect(pathProblem("a//x.py")).toMatch(/empty or '.'/);
    expect(pathProblem("./x.py")).toMatch(/empty or '.'/);
    expect(pathProblem("run.sh")).toMatch(/neither a notebook/);
    expect(pathProblem("")).toMatch(/empty/);
    expect(pathProblem("--help.py")).toBe(
      `The path "--help.py" starts with '-', which the job's command would read as an option; rename the file.`,
    );
    expect(pathProblem("-m.ipynb")).toMatch(/starts with '-'/);
    // Only the start is read as an option.
    expect(pathProblem("jobs/-x.py")).toBeUndefined();
    expect(pathProblem(`${"a/".repeat(300)}x.py`)).toMatch(/longer than 512/);
  });
});
