// Generate a tool-use task, let the scripted expert solve it (with one injected mistake it recovers
// from), write the Agentic-CoT chat and verify it: answer checker + format checks.
import {
  checkAnswer,
  episodeToMessages,
  generateTasks,
  runEpisode,
  ScriptedPolicy,
  verifyEpisode,
} from '@agentlm/synth';

const [task] = generateTasks('tools', { seed: 7, count: 1, difficulty: 2 });
if (!task) throw new Error('no task');
console.log(`task ${task.id} (${task.kind}): ${task.prompt}`);
console.log(`tools offered: ${task.tools.map((t) => t.function.name).join(', ')}`);

const episode = await runEpisode(task, new ScriptedPolicy({ mistakeRate: 1 }));
for (const [i, turn] of episode.turns.entries()) {
  console.log(`\n--- turn ${i} ---\n${turn.reasoning}`);
  for (const [j, call] of turn.toolCalls.entries()) {
    console.log(`  call ${call.name}(${JSON.stringify(call.arguments)}) -> ${turn.observations[j]?.content}`);
  }
}
console.log(`\nfinal answer: ${episode.final}`);

const messages = episodeToMessages(episode);
const verdict = await verifyEpisode(episode, messages);
console.log(`\n${messages.length} chat messages; verdict: ${JSON.stringify(verdict)}`);

// The same checker grades any model's reply; a wrong one is rejected.
console.log('wrong reply passes?', (await checkAnswer(task, 'Answer: Oslo')).passed);
