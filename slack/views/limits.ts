import type { KnownBlock } from './block-kit.js';

/** Slack's documented Block Kit limits that our messages could reach. */
export const LIMITS = {
  blocksPerMessage: 50,
  blocksPerModal: 100,
  sectionText: 3000,
  sectionFieldText: 2000,
  sectionFields: 10,
  contextText: 3000,
  contextElements: 10,
  headerText: 150,
  buttonValue: 2000,
  buttonText: 75,
  confirmText: 300,
  actionsElements: 25,
  messageText: 40000,
  optionText: 75,
  staticSelectOptions: 100,
  privateMetadata: 3000,
  modalTitle: 24,
} as const;

interface TextObject {
  type: string;
  text: string;
}

/** Every limit a list of blocks breaks, one line each; empty when Slack would accept them. */
export function blockLimitViolations(
  blocks: readonly KnownBlock[],
  maxBlocks: number = LIMITS.blocksPerMessage,
): string[] {
  const problems: string[] = [];
  if (blocks.length > maxBlocks) problems.push(`${blocks.length} blocks (max ${maxBlocks})`);
  const ids = new Set<string>();
  blocks.forEach((block, i) => {
    const where = `block ${i} (${block.type})`;
    if (block.block_id) {
      if (ids.has(block.block_id)) problems.push(`${where}: duplicate block_id ${block.block_id}`);
      ids.add(block.block_id);
    }
    if (block.type === 'section') {
      const text = block.text as TextObject | undefined;
      if (text && text.text.length > LIMITS.sectionText) problems.push(`${where}: text ${text.text.length} chars`);
      if (text && text.text.length === 0) problems.push(`${where}: empty text`);
      const fields = (block.fields ?? []) as TextObject[];
      if (fields.length > LIMITS.sectionFields) problems.push(`${where}: ${fields.length} fields`);
      for (const f of fields) {
        if (f.text.length > LIMITS.sectionFieldText) problems.push(`${where}: field ${f.text.length} chars`);
      }
    }
    if (block.type === 'header' && block.text.text.length > LIMITS.headerText) {
      problems.push(`${where}: header ${block.text.text.length} chars`);
    }
    if (block.type === 'context') {
      if (block.elements.length > LIMITS.contextElements) problems.push(`${where}: ${block.elements.length} elements`);
      for (const e of block.elements) {
        if ('text' in e && typeof e.text === 'string' && e.text.length > LIMITS.contextText) {
          problems.push(`${where}: context text ${e.text.length} chars`);
        }
      }
    }
    if (block.type === 'actions') {
      if (block.elements.length > LIMITS.actionsElements) problems.push(`${where}: ${block.elements.length} elements`);
      for (const e of block.elements) {
        if (e.type !== 'button') continue;
        if ((e.value ?? '').length > LIMITS.buttonValue)
          problems.push(`${where}: button value ${e.value?.length} chars`);
        if (e.text.text.length > LIMITS.buttonText) problems.push(`${where}: button text ${e.text.text.length} chars`);
        const confirm = e.confirm?.text.text ?? '';
        if (confirm.length > LIMITS.confirmText) problems.push(`${where}: confirm text ${confirm.length} chars`);
      }
    }
  });
  return problems;
}

/** The fallback text of a reply: what notifications show; the blocks carry the rest. */
const REPLY_TEXT_MAX = 3000;

/**
 * A message cut to what Slack accepts, whatever went into it: the fallback text capped,
 * at most 50 blocks, and blocks that break a limit dropped (the builders already keep
 * within them; this is the last guard before anything is sent).
 */
export function fitMessage<T extends { text: string; blocks: KnownBlock[] }>(message: T): T {
  const text = message.text.length > REPLY_TEXT_MAX ? `${message.text.slice(0, REPLY_TEXT_MAX - 1)}…` : message.text;
  let blocks = message.blocks.filter((b) => blockLimitViolations([b]).length === 0);
  if (blocks.length > LIMITS.blocksPerMessage) blocks = blocks.slice(0, LIMITS.blocksPerMessage);
  return { ...message, text, blocks };
}
