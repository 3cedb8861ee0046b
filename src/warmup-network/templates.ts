// The warm-up network's messages as data: plain-text subjects and bodies in the campaign template
// syntax ({a|b} spintax, {{field | "fallback"}}), rendered per message with its tag as the seed.
// Fields: to (the recipient's first name), from (the sender's). A template that fails to compile
// fails the unit test, never a send.

export interface WarmupTemplate {
  subject: string;
  text: string;
}

export const WARMUP_TEMPLATES: readonly WarmupTemplate[] = [
  {
    subject: '{Quick question|Question|A quick one} about {the notes|next week|the plan}',
    text: '{Hi|Hello|Hey} {{to | "there"}},\n\n{Did you get a chance to|Have you had time to|Could you} {look at|go through|read} the {notes|draft|summary} I {sent|shared} {earlier|last week|on Monday}? {No rush.|Whenever you can.|Let me know what you think.}\n\n{Thanks|Cheers|Best},\n{{from | ""}}\n',
  },
  {
    subject: '{Lunch|Coffee} {on Thursday|next week|sometime soon}?',
    text: '{Hi|Hello} {{to | "there"}},\n\n{Would you be up for|Are you free for|Fancy} {lunch|a coffee} {on Thursday|next week|one of these days}? {I found a nice place near the office.|There is a new place around the corner.|My treat this time.}\n\n{Talk soon|See you|Best},\n{{from | ""}}\n',
  },
  {
    subject: '{Update|Small update|Status} on the {project|report|timeline}',
    text: '{Hi|Hello|Good morning} {{to | "there"}},\n\n{Just a short update:|A quick status:|Where we are:} the {first part|draft|review} is {done|finished|almost ready}, and {I expect|we should have|I hope to send} the rest {by Friday|early next week|in a few days}.\n\n{Thanks for your patience|Thanks again|Speak soon},\n{{from | ""}}\n',
  },
  {
    subject: '{Thanks|Thank you} for {yesterday|the call|your help}',
    text: '{Hi|Hey} {{to | "there"}},\n\n{Thanks again for|I really appreciated|Many thanks for} {your time yesterday|the call|your help with the figures}. {It cleared up a lot.|That was very useful.|I have a much better picture now.} {I will follow up with the details.|I will send the details soon.|More from me shortly.}\n\n{Best|Regards|Cheers},\n{{from | ""}}\n',
  },
  {
    subject: '{Meeting|Call} {notes|agenda} for {Tuesday|tomorrow|next week}',
    text: '{Hello|Hi} {{to | "there"}},\n\n{Here are|Below are|These are} {a few points|the topics|my notes} for our {meeting|call}:\n\n- {budget|timeline|staffing}\n- {next steps|open questions|the review}\n\n{Anything to add?|Feel free to add to it.|Did I miss something?}\n\n{Best|Thanks},\n{{from | ""}}\n',
  },
  {
    subject: '{Article|Link|Something} you might {like|enjoy|find useful}',
    text: '{Hi|Hey} {{to | "there"}},\n\n{I came across|I read|A friend sent me} {an article|a piece|a post} about {remote work|planning|team habits} {this morning|yesterday|over the weekend} and thought of {you|our conversation}. {I will bring it next time.|Remind me to tell you about it.|Worth a read when you have a minute.}\n\n{Cheers|Best|Talk soon},\n{{from | ""}}\n',
  },
];

/** Bodies of in-thread answers (their subject is "Re: " and the original's). */
export const WARMUP_REPLIES: readonly string[] = [
  '{Thanks|Thank you|Great}, {{to | "there"}}! {Sounds good.|That works for me.|Noted.} {I will get back to you soon.|Talk soon.|Speak later.}\n\n{{from | ""}}\n',
  '{Hi|Hey} {{to | "there"}},\n\n{Good to hear from you.|Thanks for the note.|Got it.} {Let us do that.|Happy to.|I am in.} {Best|Cheers},\n{{from | ""}}\n',
  '{Perfect|Lovely|Great news}, {thanks|thank you}. {I will take a look today.|I will read it tonight.|Let me check and come back to you.}\n\n{{from | ""}}\n',
];
