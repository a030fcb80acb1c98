import { convertWorkflowTemplate, NoOperationTraceWriter, parseWorkflow } from '@actions/workflow-parser'
import { convertActionTemplate, parseAction } from '@actions/workflow-parser/actions/index'

/**
 * action.yml and workflows checked by GitHub's own parser (@actions/workflow-parser, the one behind the
 * Actions language service): YAML, then the schema, then the conversion the runner's model needs.
 * Each returns the problems found, [] when the file is valid.
 */

export function actionProblems(content: string, name = 'action.yml'): string[] {
  const parsed = parseAction({ name, content }, new NoOperationTraceWriter())
  if (parsed.value) convertActionTemplate(parsed.context, parsed.value)
  return parsed.context.errors.getErrors().map((e) => e.message)
}

export async function workflowProblems(content: string, name = 'workflow.yml'): Promise<string[]> {
  const parsed = parseWorkflow({ name, content }, new NoOperationTraceWriter())
  if (parsed.value) await convertWorkflowTemplate(parsed.context, parsed.value)
  return parsed.context.errors.getErrors().map((e) => e.message)
}
