"""40 crafted patient messages with the urgency a triage nurse would give each (the reference
the rule-based triage is measured against; see the README's AI assist section)."""

EMERGENCY = [
    "I have crushing chest pain going down my left arm and I feel sick.",
    "My husband's face is drooping on one side and his speech is slurred since lunch.",
    "I can't breathe properly, my lips feel tight and my throat is swelling after the new pills.",
    "I have been having suicidal thoughts and I have a plan. I don't know what to do.",
    "Shortness of breath getting worse all evening, now I can't finish a sentence.",
    "My daughter had a seizure ten minutes ago and is very drowsy now.",
    "I took too many tablets on purpose an hour ago.",
    "Chest tightness and sweating, it started while climbing the stairs.",
    "I keep thinking I would be better off dead and I want to end my life.",
    "Dad collapsed in the kitchen and is hard to wake.",
    "I am coughing up blood since this morning.",
    "Suddenly the worst headache of my life, like a thunderclap.",
]
URGENT = [
    "I have had a fever of 39.2 for two days and the cough is getting worse.",
    "Vomiting since last night and I can't keep water down.",
    "My calf is swollen and painful after the long flight.",
    "The wound from my operation is red and hot and there is some pus.",
    "I feel dizzy every time I stand up since the new blood pressure tablets.",
    "My blood sugar was very high this morning, 22 on the meter.",
    "I ran out of my insulin yesterday and the pharmacy is closed.",
    "I have a new rash all over my body after starting the antibiotic.",
    "There is blood in my urine and it burns when I pee.",
    "Severe pain in my lower back on the right side that comes in waves.",
]
ROUTINE = [
    "Could I have a repeat prescription for my metformin please?",
    "Please can you refill my blood pressure tablets, I have a week left.",
    "I need a refill of my inhaler, nothing urgent.",
    "Can I move my appointment on Tuesday to the afternoon?",
    "I would like to book my annual review.",
    "Could you send me a letter for my employer about my appointments?",
    "Are my blood test results from last week back yet?",
    "What does the cholesterol result in the app mean?",
    "Please update my address, I moved last month.",
    "Thank you for seeing me yesterday, I feel much better now.",
    "Do I need to fast before the blood test next week?",
    "I need a form signed for my insurance.",
    "Can I cancel my appointment on Friday? I will book another one.",
    "No chest pain or breathlessness any more, just wanted to let you know the new dose works.",
    "Could the nurse call me about the travel vaccines for my holiday?",
    "Is the clinic open on the bank holiday?",
    "I'd like to change my pharmacy to the one on High Street.",
    "When is my next diabetic eye screening due?",
]
MESSAGES = (
    [(text, "emergency") for text in EMERGENCY]
    + [(text, "urgent") for text in URGENT]
    + [(text, "routine") for text in ROUTINE]
)
