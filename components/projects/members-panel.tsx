"use client";

import { useMutation } from "@tanstack/react-query";
import { useRouter } from "next/navigation";
import { useState } from "react";
import type { ProjectRole } from "@/db/schema";
import type { MemberView } from "@/lib/projects/manage";
import { apiFetch } from "@/components/ui/api";
import { Button } from "@/components/ui/button";
import { DataTable } from "@/components/ui/data-table";
import { submitWith } from "@/components/ui/submit-with";
import { RoleBadge } from "./role-badge";
import { ROLE_MEANS, ROLES } from "./roles";

const memberPath = (project: string, member?: string) =>
  `/api/projects/${encodeURIComponent(project)}/members${member === undefined ? "" : `/${encodeURIComponent(member)}`}`;

function RoleSelect(props: { id?: string; value: ProjectRole; onChange: (r: ProjectRole) => void; disabled?: boolean; label: string }) {
  return (
    <select
      id={props.id}
      aria-label={props.label}
      value={props.value}
      disabled={props.disabled}
      onChange={(e) => props.onChange(e.target.value as ProjectRole)}
      className="rounded-md border border-slate-300 bg-white px-2 py-1 text-sm"
    >
      {ROLES.map((r) => (
        <option key={r} value={r}>
          {r}
        </option>
      ))}
    </select>
  );
}

/**
 * A project's members and their roles. Owners change roles, remove members and add people or SSO groups, all
 * through /api/projects/<p>/members; a refusal (the last owner, a person who does not exist) is shown where the
 * owner acted: under the row, or under the add form.
 */
export function MembersPanel({ project, members, canManage }: { project: string; members: MemberView[]; canManage: boolean }) {
  return (
    <div className="space-y-4">
      <DataTable
        testId="members-table"
        columns={["Member", "Role", ...(canManage ? [{ label: "", className: "text-right" }] : [])]}
        head="text-left text-slate-500"
        cell="py-1.5 pr-4 font-medium"
        {...(members.length === 0 ? { empty: "No members." } : {})}
      >
        {members.map((m) => (
          <MemberRow key={m.member} project={project} member={m} canManage={canManage} />
        ))}
      </DataTable>
      {canManage ? (
        <AddMemberForm project={project} />
      ) : (
        <p className="text-sm text-slate-500" data-testid="members-read-only">
          Only the project&apos;s owners add, change and remove members.
        </p>
      )}
    </div>
  );
}

function MemberRow({ project, member, canManage }: { project: string; member: MemberView; canManage: boolean }) {
  const router = useRouter();
  const change = useMutation({
    mutationFn: (role: ProjectRole) => apiFetch(memberPath(project, member.member), { method: "PATCH", body: JSON.stringify({ role }) }),
    onSuccess: () => router.refresh(),
  });
  const remove = useMutation({
    mutationFn: () => apiFetch(memberPath(project, member.member), { method: "DELETE" }),
    onSuccess: () => router.refresh(),
  });
  const error = change.error ?? remove.error;
  return (
    <tr data-testid={`member-${member.member}`} className="align-top">
      <td className="py-2 pr-4">
        <span className="font-medium text-slate-900">{member.name}</span>
        {member.kind === "group" && (
          <span
            className="ml-2 rounded bg-violet-100 px-1.5 py-0.5 text-xs text-violet-800"
            title="An SSO group: whoever the directory puts in it"
          >
            SSO group
          </span>
        )}
        {error && (
          <p className="mt-1 text-sm font-normal text-red-600" role="alert" data-testid="member-error">
            {error.message}
          </p>
        )}
      </td>
      <td className="py-2 pr-4">
        {canManage ? (
          <RoleSelect
            label={`Role of ${member.name}`}
            value={member.role}
            disabled={change.isPending}
            onChange={(role) => {
              remove.reset();
              change.mutate(role);
            }}
          />
        ) : (
          <RoleBadge role={member.role} />
        )}
      </td>
      {canManage && (
        <td className="py-2 text-right">
          <Button
            variant="link-danger"
            loading={remove.isPending}
            aria-label={`Remove ${member.name}`}
            onClick={() => {
              change.reset();
              remove.mutate();
            }}
          >
            Remove
          </Button>
        </td>
      )}
    </tr>
  );
}

function AddMemberForm({ project }: { project: string }) {
  const router = useRouter();
  const [kind, setKind] = useState<"name" | "group">("name");
  const [who, setWho] = useState("");
  const [role, setRole] = useState<ProjectRole>("editor");
  const add = useMutation({
    mutationFn: () => apiFetch(memberPath(project), { method: "POST", body: JSON.stringify({ [kind]: who.trim(), role }) }),
    onSuccess: () => {
      setWho("");
      router.refresh();
    },
  });
  return (
    <form onSubmit={submitWith(() => add.mutate())} className="space-y-2 border-t border-slate-100 pt-4" data-testid="add-member">
      <p className="text-sm font-medium text-slate-700">Add a member</p>
      <div className="flex flex-wrap items-center gap-2">
        <select
          aria-label="Add a person or an SSO group"
          value={kind}
          onChange={(e) => setKind(e.target.value as "name" | "group")}
          className="rounded-md border border-slate-300 bg-white px-2 py-1.5 text-sm"
        >
          <option value="name">Person</option>
          <option value="group">SSO group</option>
        </select>
        <input
          aria-label={kind === "name" ? "Person's user name" : "SSO group name"}
          value={who}
          onChange={(e) => setWho(e.target.value)}
          placeholder={kind === "name" ? "user name, e.g. alice" : "group as the directory names it"}
          maxLength={kind === "name" ? 63 : 256}
          className="w-full min-w-0 rounded-md border border-slate-300 px-3 py-1.5 text-sm sm:w-auto sm:max-w-xs sm:flex-1"
        />
        <RoleSelect label="Role of the new member" value={role} onChange={setRole} />
        <Button type="submit" loading={add.isPending} disabled={who.trim() === ""}>
          Add
        </Button>
      </div>
      <p className="text-xs text-slate-500">
        {role}: {ROLE_MEANS[role]}.{kind === "group" && " A group's members count from their next sign-in."}
      </p>
      {add.error && (
        <p className="text-sm text-red-600" role="alert" data-testid="add-member-error">
          {add.error.message}
        </p>
      )}
    </form>
  );
}
